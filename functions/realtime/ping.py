"""WebSocket route `ping`: answers `{"type": "pong"}` through @connections."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.realtime import actions, registry
from plaza.stores import realtime


@actions.websocket_action()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    # A ping is how an idle client finds out it is still registered after Redis lost its data.
    registry.ensure_registered(websocket.connection_id(event),
                               event["requestContext"].get("authorizer") or {})
    realtime.post_to_connection(websocket.connection_id(event),
                                websocket.reply({"type": "pong"}, request))
    return websocket.ok()
