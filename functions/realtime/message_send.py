"""WebSocket route `message.send`: store a message once per client_msg_id, ack it, deliver it."""

from typing import Any

from plaza import errors, websocket
from plaza.chat import service
from plaza.chat.models import MessageIn
from plaza.http import validate
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    try:
        sent = service.send_message(websocket.caller_id(event),
                                    str(request.get("conversation_id", "")),
                                    validate(MessageIn, request, "message"))
        reply = sent.ack()
    except errors.PlazaError as error:
        reply = websocket.error_frame(error, request)
    realtime.post_to_connection(websocket.connection_id(event), reply)
    return websocket.ok()
