"""GET /v1/presence?user_ids=a,b: who of up to 100 users is online now."""

# Chat and social register, when imported, whose presence a viewer sees: conversation partners
# (chat) and those the viewer follows (social), never across a block (social).
import plaza.chat.service  # noqa: F401
import plaza.social.service  # noqa: F401
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.realtime import hub
from plaza.realtime.models import PresenceOut, PresenceQuery


@endpoint
@rate_limited("core")
def handler(request: Request) -> PresenceOut:
    return hub.presence(caller(request).user_id, request.parse_query(PresenceQuery).user_ids)
