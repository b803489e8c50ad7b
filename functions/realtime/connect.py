"""WebSocket `$connect`: the authorizer has vouched for the caller; register the connection."""

from typing import Any

from plaza import websocket
from plaza.realtime import hub


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    authorizer = event["requestContext"].get("authorizer") or {}
    hub.connected(websocket.connection_id(event), str(authorizer.get("user_id") or ""),
                  str(authorizer.get("device_id") or ""))
    return websocket.ok()
