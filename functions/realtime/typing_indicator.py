"""WebSocket route `typing`: tell the other members of a conversation (spaced out, not stored)."""

from typing import Any

from plaza import errors, websocket
from plaza.chat import service
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    try:
        service.typing(websocket.caller_id(event), str(request.get("conversation_id", "")))
    except errors.PlazaError as error:
        realtime.post_to_connection(websocket.connection_id(event),
                                    websocket.problem_frame(error, request))
    return websocket.ok()
