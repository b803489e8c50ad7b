"""API Gateway WebSocket events: reading the message a client sent, answering on its route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plaza import errors
from plaza.http import loads


def connection_id(event: dict[str, Any]) -> str:
    return str(event["requestContext"]["connectionId"])


def message(event: dict[str, Any]) -> dict[str, Any]:
    """The client's JSON message; an empty dict when the body is missing or not an object
    (not JSON, or nested too deep: plaza.http.loads), which each route answers as a bad request."""
    try:
        body = loads(event.get("body") or "{}")
    except errors.BadRequest:
        return {}
    return body if isinstance(body, dict) else {}


def not_a_json_object(event: dict[str, Any]) -> bool:
    """Whether the frame's body is not a JSON object (not JSON, nested too deep, an array)."""
    try:
        return not isinstance(loads(event.get("body") or "{}"), dict)
    except errors.BadRequest:
        return True


def ok() -> dict[str, Any]:
    return {"statusCode": 200}


def caller_id(event: dict[str, Any]) -> str:
    """The user the `$connect` authorizer vouched for; API Gateway repeats it on every message."""
    user_id = ((event.get("requestContext") or {}).get("authorizer") or {}).get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise errors.Unauthorized("This route needs an authenticated connection")
    return user_id


def reply(frame: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The frame, echoing the request's `id` so clients can match answers to requests."""
    if "id" in request:
        frame["id"] = request["id"]
    return frame


def error_frame(code: str, status: int, detail: str, request: Mapping[str, Any],
                field_errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The one shape of an error sent on a WebSocket, whoever sends it:
    `{"type": "error", "code", "status", "detail", "errors"?, "id"?}` (`errors` field by field as
    in problem+json; `id` echoed from the request)."""
    frame: dict[str, Any] = {"type": "error", "code": code, "status": status, "detail": detail}
    if field_errors is not None:
        frame["errors"] = field_errors
    return reply(frame, request)


def problem_frame(error: errors.PlazaError, request: Mapping[str, Any]) -> dict[str, Any]:
    """The error frame of a domain exception: the WebSocket twin of a problem+json response."""
    return error_frame(error.code, error.status, error.detail, request, error.extra.get("errors"))
