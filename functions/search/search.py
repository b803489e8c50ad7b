"""GET /v1/search: users, posts or hashtags matching ?q=, as the caller may see them, best first."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.search import service
from plaza.search.models import SearchPage, SearchQuery


@endpoint
@rate_limited("core")
def handler(request: Request) -> SearchPage:
    return service.search(caller(request).user_id, request.parse_query(SearchQuery))
