"""WebSocket route `typing`: tell the other members of a conversation (spaced out, not stored)."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.chat import service
from plaza.realtime import actions


@actions.websocket_action()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    service.typing(websocket.caller_id(event), str(request.get("conversation_id", "")))
    return websocket.ok()
