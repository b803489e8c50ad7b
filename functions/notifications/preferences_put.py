"""PUT /v1/notifications/preferences: turn kinds of notification on or off; kinds left out stay."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import Preferences, PreferencesIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Preferences:
    return service.update_preferences(caller(request).user_id, request.parse(PreferencesIn))
