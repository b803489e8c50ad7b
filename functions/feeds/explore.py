"""GET /v1/feed/explore: popular recent public posts from people the caller does not follow."""

from plaza.feeds import service
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery, PostPage
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostPage:
    return service.explore_page(caller(request).user_id, request.parse_query(PageQuery))
