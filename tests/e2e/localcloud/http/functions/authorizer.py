"""A Lambda REQUEST authorizer with simple responses: `Bearer allow-*` passes, anything else not."""


def handler(event, context):
    token = event["headers"].get("authorization", "")
    allowed = token.startswith("Bearer allow-")
    return {"isAuthorized": allowed,
            "context": {"user": token.removeprefix("Bearer "),
                        "tenant": event["queryStringParameters"]["tenant"],
                        "identitySource": event["identitySource"], "routeArn": event["routeArn"]}}
