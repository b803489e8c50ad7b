"""GET /v1/links?limit=&cursor=: the caller's live links, newest first; keyset pages."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.links import service, short_urls
from plaza.links.models import LinkPage
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("links")
def handler(request: Request) -> LinkPage:
    query = request.parse_query(PageQuery)
    return service.link_page(caller(request).user_id, query.limit, query.cursor,
                             short_urls.base(request))
