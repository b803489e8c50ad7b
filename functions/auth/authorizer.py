"""Lambda REQUEST authorizer for the HTTP API (simple responses) and WebSocket `$connect`."""

from typing import Any

from plaza.identity import gateway


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return gateway.authorize(event)
