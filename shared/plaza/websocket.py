"""API Gateway WebSocket events: reading the message a client sent, answering on its route."""

from __future__ import annotations

import json
from typing import Any


def connection_id(event: dict[str, Any]) -> str:
    return str(event["requestContext"]["connectionId"])


def message(event: dict[str, Any]) -> dict[str, Any]:
    """The client's JSON message; an empty dict when the body is missing or not an object."""
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def ok() -> dict[str, Any]:
    return {"statusCode": 200}
