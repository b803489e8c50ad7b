"""GET /v1/auth/sessions: the caller's live sessions, one per device."""

from plaza.http import Request, endpoint
from plaza.identity import gateway, service
from plaza.identity.models import SessionList
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> SessionList:
    return SessionList(items=service.list_sessions(gateway.caller(request)))
