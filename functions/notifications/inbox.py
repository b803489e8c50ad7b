"""GET /v1/notifications: a keyset page (?limit, ?cursor) of the caller's notifications, newest
first, with the unread count."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.notifications import service
from plaza.notifications.models import NotificationPage
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> NotificationPage:
    return service.page(caller(request).user_id, request.parse_query(PageQuery))
