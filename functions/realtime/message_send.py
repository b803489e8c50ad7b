"""WebSocket route `message.send`: store a message once per client_msg_id, ack it, deliver it."""

from typing import Any

from plaza import errors, websocket
from plaza.chat import service
from plaza.chat.models import MessageIn
from plaza.http import validate
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    connection_id = websocket.connection_id(event)
    try:
        service.send_message(websocket.caller_id(event), str(request.get("conversation_id", "")),
                             validate(MessageIn, request, "message"),
                             acknowledge=lambda sent: realtime.post_to_connection(
                                 connection_id, sent.ack()))
    except errors.PlazaError as error:
        realtime.post_to_connection(connection_id, websocket.error_frame(error, request))
    return websocket.ok()
