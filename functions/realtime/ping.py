"""WebSocket route `ping`: answers `{"type": "pong"}` through @connections."""

from typing import Any

from plaza import websocket
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = websocket.message(event)
    realtime.post_to_connection(websocket.connection_id(event),
                                websocket.reply({"type": "pong"}, request))
    return websocket.ok()
