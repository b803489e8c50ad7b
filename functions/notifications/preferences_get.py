"""GET /v1/notifications/preferences: which kinds of notification the caller gets."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import Preferences
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Preferences:
    return service.preferences(caller(request).user_id)
