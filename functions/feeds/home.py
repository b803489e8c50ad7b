"""GET /v1/feed/home: the caller's home feed, newest first, keyset pages (?limit, ?cursor)."""

from plaza.feeds import service
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery, PostPage
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostPage:
    return service.home_page(caller(request).user_id, request.parse_query(PageQuery))
