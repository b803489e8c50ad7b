"""WebSocket `$disconnect`: forget the connection; tell partners when the user's last one went."""

from typing import Any

# Chat registers, when imported, who hears that a user came or went: their conversation partners.
import plaza.chat.service  # noqa: F401
from plaza import websocket
from plaza.analytics import activity
from plaza.realtime import hub


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    hub.disconnected(websocket.connection_id(event))
    activity.connection_closed()
    return websocket.ok()
