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


def caller_id(event: dict[str, Any]) -> str:
    """The user the `$connect` authorizer vouched for; API Gateway repeats it on every message."""
    from plaza import errors

    user_id = ((event.get("requestContext") or {}).get("authorizer") or {}).get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise errors.Unauthorized("This route needs an authenticated connection")
    return user_id


def error_frame(error: Any, request: dict[str, Any]) -> dict[str, Any]:
    """`{"type": "error", "code": ...}` for a PlazaError, echoing the request's `id` if any."""
    frame: dict[str, Any] = {"type": "error", "code": error.code, "status": error.status,
                             "detail": error.detail}
    if "errors" in error.extra:
        frame["errors"] = error.extra["errors"]
    if "id" in request:
        frame["id"] = request["id"]
    return frame
