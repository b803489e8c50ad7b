"""WebSocket route `message.send`: store a message once per client_msg_id, ack it, deliver it."""

import contextlib
from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.chat import service
from plaza.chat.models import MessageIn
from plaza.http import validate
from plaza.realtime import actions
from plaza.stores import realtime


@actions.websocket_action("core")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    connection_id = websocket.connection_id(event)

    def acknowledge(sent: service.Sent) -> None:
        # A sender gone before its ack still has a stored message: deliver it all the same,
        # the resend after reconnecting gets this ack.
        with contextlib.suppress(realtime.ConnectionGone):
            realtime.post_to_connection(connection_id, sent.ack())

    service.send_message(websocket.caller_id(event), str(request.get("conversation_id", "")),
                         validate(MessageIn, request, "message"), acknowledge,
                         origin_connection_id=connection_id)
    return websocket.ok()
