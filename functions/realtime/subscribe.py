"""WebSocket route `subscribe` {topic}: `subscribed`, or an `error` frame (forbidden, invalid)."""

from typing import Any

from plaza import websocket
from plaza.realtime import hub
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = websocket.connection_id(event)
    user_id = str((event["requestContext"].get("authorizer") or {}).get("user_id") or "")
    realtime.post_to_connection(
        connection_id, hub.subscribe(connection_id, user_id, websocket.message(event)))
    return websocket.ok()
