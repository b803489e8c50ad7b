"""WebSocket `$connect`: the authorizer has vouched for the caller; register the connection."""

from typing import Any

# Chat registers, when imported, who hears that a user came or went: their conversation partners.
import plaza.chat.service  # noqa: F401
from plaza import websocket
from plaza.realtime import hub


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    authorizer = event["requestContext"].get("authorizer") or {}
    user_id = str(authorizer.get("user_id") or "")
    if not user_id:
        # Only a stage deployed without the authorizer gets here: refuse the upgrade.
        return {"statusCode": 401}
    # The session too: when it ends (logout, a reset, a suspension ...) this connection closes.
    hub.connected(websocket.connection_id(event), user_id, str(authorizer.get("device_id") or ""),
                  str(authorizer.get("session_id") or ""))
    return websocket.ok()
