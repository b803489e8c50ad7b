"""WebSocket `$default` route: a message whose action no route knows gets an error back."""

from typing import Any

from plaza import websocket
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = websocket.message(event).get("action")
    realtime.post_to_connection(
        websocket.connection_id(event),
        {"type": "error", "code": "unknown_action",
         "detail": f"No route for action {action!r}" if action else "Messages need an 'action'"},
    )
    return websocket.ok()
