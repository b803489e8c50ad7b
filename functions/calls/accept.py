"""WebSocket route `call.accept` {call_id}: answer a call ringing you; the answer is a
`call.accepted` frame with your token ({call_id, channel, token, uid, expires_at}), and the other
participants get `call.accepted` {call_id, user_id}."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.chat import calls
from plaza.realtime import actions
from plaza.stores import realtime


@actions.websocket_action("core")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    token = calls.accept_call(websocket.caller_id(event), str(request.get("call_id", "")))
    frame = {"type": "call.accepted", **token.model_dump(mode="json")}
    realtime.post_to_connection(websocket.connection_id(event), websocket.reply(frame, request))
    return websocket.ok()
