"""$connect authorizer: `?token=good` is allowed as user-1, `?token=deny` gets a Deny policy."""

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    if token not in ("good", "deny"):
        raise Exception("Unauthorized")  # noqa: TRY002 - the way Lambda authorizers say 401
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke",
                           "Effect": "Allow" if token == "good" else "Deny",
                           "Resource": event["methodArn"]}],
        },
        "context": {"userId": "user-1", "plan": "free"},
    }
