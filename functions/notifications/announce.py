"""POST /v1/admin/announcements: an admin broadcasts {title, text} on the `announcements` topic.

Its own function rather than a route of the admin app: API Gateway picks this more specific
route over the app's /v1/admin/{proxy+}. Audited (plaza.admin.announcements).
"""

from plaza.admin import announcements
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.notifications.models import AnnouncementIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    sent = announcements.announce(caller(request), request.parse(AnnouncementIn))
    return Response(status=202, body=sent)
