"""GET /v1/feed/recommendations: posts the caller's followees liked that the caller has not."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PostPage
from plaza.ratelimit import rate_limited
from plaza.trending import service
from plaza.trending.models import RankedPageQuery


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostPage:
    return service.recommendations_page(caller(request).user_id,
                                        request.parse_query(RankedPageQuery))
