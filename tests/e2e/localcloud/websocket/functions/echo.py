"""Route `echo`: posts the message back through @connections, or to `to` when given.

Posting to a closed connection answers `{"gone": <id>}` to the sender (410 from a handler).
"""

from typing import Any

from plaza import websocket
from plaza.stores import realtime


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    me = websocket.connection_id(event)
    message = websocket.message(event)
    target = message.get("to", me)
    reply = {"echo": message.get("text"), "route": event["requestContext"]["routeKey"],
             "eventType": event["requestContext"]["eventType"],
             "principalId": event["requestContext"]["authorizer"]["principalId"]}
    try:
        realtime.post_to_connection(target, reply)
    except realtime.ConnectionGone:
        realtime.post_to_connection(me, {"gone": target})
    if message.get("fail"):
        raise RuntimeError("asked to fail")
    return websocket.ok()
