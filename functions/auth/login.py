"""POST /v1/auth/login: password login on one device; a token pair for that device."""

# Notifications registers, when imported, what an ended session does to its devices: its
# sockets close, its push token goes.
import plaza.notifications.sessions  # noqa: F401
from plaza.http import Request, endpoint
from plaza.identity import gateway, service
from plaza.identity.models import LoginIn, TokenPair
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("auth")
def handler(request: Request) -> TokenPair:
    data = request.parse(LoginIn)
    return service.login(data, gateway.device_id(request), request.source_ip,
                         request.header("user-agent") or "")
