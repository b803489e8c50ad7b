"""WebSocket `$connect`: the authorizer has vouched for the caller; accept the connection."""

from typing import Any

from plaza import websocket


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return websocket.ok()
