"""POST /v1/auth/password/reset: set a new password with an emailed token; every session ends."""

# Notifications registers, when imported, what an ended session does to its devices: its
# sockets close, its push token goes.
import plaza.notifications.sessions  # noqa: F401
from plaza.http import Request, Response, endpoint, no_content
from plaza.identity import service
from plaza.identity.models import ResetPasswordIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("auth")
def handler(request: Request) -> Response:
    data = request.parse(ResetPasswordIn)
    service.reset_password(data.token, data.password)
    return no_content()
