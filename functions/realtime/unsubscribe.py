"""WebSocket route `unsubscribe` {topic}: answers `unsubscribed` (also for topics never joined)."""

from typing import Any

from plaza import websocket
from plaza.realtime import hub
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = websocket.connection_id(event)
    realtime.post_to_connection(connection_id,
                                hub.unsubscribe(connection_id, websocket.message(event)))
    return websocket.ok()
