"""$default: tells the sender the route and how many bytes of body reached it."""

from typing import Any

from plaza import websocket
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = event.get("body") or ""
    realtime.post_to_connection(websocket.connection_id(event),
                                {"route": event["requestContext"]["routeKey"],
                                 "bytes": len(body.encode()),
                                 "head": body[:40]})
    return websocket.ok()
