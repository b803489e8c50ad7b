"""GET /v1/presence?user_ids=a,b: who of up to 100 users is online now."""

# Social registers, when imported, who is hidden from a viewer's presence: blocks, either way.
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
