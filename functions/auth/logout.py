"""POST /v1/auth/logout: revoke the caller's session on this device."""

# Notifications registers, when imported, what an ended session does to its devices: its
# sockets close, its push token goes.
import plaza.notifications.sessions  # noqa: F401
from plaza.http import Request, Response, endpoint, no_content, open_to_unverified
from plaza.identity import gateway, service
from plaza.ratelimit import rate_limited


@endpoint
@open_to_unverified  # signing out works before the email is verified
@rate_limited("core")
def handler(request: Request) -> Response:
    service.logout(gateway.caller(request))
    return no_content()
