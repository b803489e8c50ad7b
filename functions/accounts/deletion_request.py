"""DELETE /v1/users/me {password}: schedule the caller's deletion in 7 days; 202. The account is
hidden and every session of it ends now."""

# Notifications registers, when imported, what an ended session does to its devices: its
# sockets close, its push token goes.
import plaza.notifications.sessions  # noqa: F401
from plaza.accounts import service
from plaza.accounts.models import DeletionIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    return Response(202, service.request_deletion(caller(request).user_id,
                                                  request.parse(DeletionIn)))
