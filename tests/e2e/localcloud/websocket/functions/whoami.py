"""Route `whoami` (two-way, it has a RouteResponse): the reply body goes back to the sender."""

import json
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    authorizer = event["requestContext"]["authorizer"]
    return {"statusCode": 200,
            "body": json.dumps({"connectionId": event["requestContext"]["connectionId"],
                                "userId": authorizer["userId"]})}
