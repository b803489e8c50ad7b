"""WebSocket route `message.read`: move the reader's position and tell the other members."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.chat import service
from plaza.realtime import actions


@actions.websocket_action()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    message_id = request.get("message_id")
    service.read_messages(websocket.caller_id(event), str(request.get("conversation_id", "")),
                          None if message_id is None else str(message_id))
    return websocket.ok()
