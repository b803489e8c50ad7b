"""$disconnect: records the event in Redis so the test sees it was invoked."""

import json
import os
from typing import Any

import redis


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.rpush("ws:disconnect", json.dumps(event))
    return {"statusCode": 200}
