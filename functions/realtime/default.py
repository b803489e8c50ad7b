"""WebSocket `$default` route: a message whose action no route knows gets an error back
(`unknown_action`), as does a frame that is not a JSON object (`invalid_json`)."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.realtime import actions, registry
from plaza.stores import realtime


@actions.websocket_action()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    registry.ensure_registered(websocket.connection_id(event),
                               event["requestContext"].get("authorizer") or {})
    action = request.get("action")
    if websocket.not_a_json_object(event):
        frame = websocket.error_frame("invalid_json", 400,
                                      'Frames are JSON objects, e.g. {"action": "ping"}', request)
    else:
        frame = websocket.error_frame(
            "unknown_action", 400,
            f"No route for action {action!r}" if action else "Messages need an 'action'", request)
    realtime.post_to_connection(websocket.connection_id(event), frame)
    return websocket.ok()
