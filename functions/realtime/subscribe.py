"""WebSocket route `subscribe` {topic}: `subscribed`, or an `error` frame (forbidden, invalid)."""

from typing import Any

# The domains that own topics register who may subscribe to them when imported; notifications
# also registers how an action tells its session is still live.
import plaza.chat.service  # noqa: F401 - conversation:{id}
import plaza.links.topics  # noqa: F401 - link:{code}
import plaza.notifications.sessions  # noqa: F401 - the session check
import plaza.notifications.topics  # noqa: F401 - announcements
import plaza.posts.service  # noqa: F401 - post:{id}
from plaza import websocket
from plaza.realtime import actions, hub, registry
from plaza.stores import realtime


@actions.websocket_action("core")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = websocket.connection_id(event)
    caller = event["requestContext"].get("authorizer") or {}
    # Redis may have lost the connection since $connect: subscribing needs it registered.
    registry.ensure_registered(connection_id, caller)
    user_id = str(caller.get("user_id") or "")
    realtime.post_to_connection(
        connection_id, hub.subscribe(connection_id, user_id, websocket.message(event)))
    return websocket.ok()
