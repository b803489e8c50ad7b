"""WebSocket route `call.end` {call_id}: hang up; every participant gets `call.ended` {call}
(ended when it was answered, missed when not). Ending an ended call changes nothing."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.chat import calls
from plaza.realtime import actions


@actions.websocket_action("core")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    calls.end_call(websocket.caller_id(event), str(request.get("call_id", "")))
    return websocket.ok()
