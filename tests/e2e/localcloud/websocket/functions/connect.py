"""$connect: refuses `?refuse=1`, else records the event it got in Redis for the test to read."""

import json
import os
from typing import Any

import redis


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if (event.get("queryStringParameters") or {}).get("refuse"):
        return {"statusCode": 403}
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.rpush("ws:connect", json.dumps(event))
    return {"statusCode": 200}
