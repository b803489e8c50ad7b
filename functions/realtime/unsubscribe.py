"""WebSocket route `unsubscribe` {topic}: answers `unsubscribed` (also for topics never joined)."""

from typing import Any

# Notifications registers, when imported, how an action tells its session is still live.
import plaza.notifications.sessions  # noqa: F401
from plaza import websocket
from plaza.realtime import actions, hub
from plaza.stores import realtime


@actions.websocket_action()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = websocket.connection_id(event)
    realtime.post_to_connection(connection_id,
                                hub.unsubscribe(connection_id, websocket.message(event)))
    return websocket.ok()
