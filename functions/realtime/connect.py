"""WebSocket `$connect`: the authorizer has vouched for the caller; register the connection.

Where the deployment requires a verified email, an unverified caller's upgrade is refused with a
403 problem+json (`email-unverified`), read from the authorizer's context at no store cost.
"""

from typing import Any

# Chat registers, when imported, who hears that a user came or went: their conversation partners.
import plaza.chat.service  # noqa: F401
from plaza import errors, websocket
from plaza.analytics import activity
from plaza.http import problem_response, to_api_gateway
from plaza.identity import gateway
from plaza.realtime import hub


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    authorizer = event["requestContext"].get("authorizer") or {}
    user_id = str(authorizer.get("user_id") or "")
    if not user_id:
        # Only a stage deployed without the authorizer gets here: refuse the upgrade.
        return {"statusCode": 401}
    try:
        gateway.require_verified_email(gateway.email_verified(authorizer))
    except errors.EmailUnverified as unverified:
        return to_api_gateway(None, problem_response(unverified, None))
    # The session too: when it ends (logout, a reset, a suspension ...) this connection closes.
    hub.connected(websocket.connection_id(event), user_id, str(authorizer.get("device_id") or ""),
                  str(authorizer.get("session_id") or ""))
    activity.connection_opened()  # the back office's peak of open sockets (fail-open)
    return websocket.ok()
