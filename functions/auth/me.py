"""GET /v1/auth/me: the caller's own account."""

from plaza.http import Request, endpoint
from plaza.identity import gateway, service
from plaza.identity.models import UserEnvelope
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> UserEnvelope:
    return UserEnvelope(user=service.me(gateway.caller(request)))
