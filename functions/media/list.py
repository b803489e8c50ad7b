"""GET /v1/media: the caller's media, newest first, in pages."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.media import service
from plaza.media.models import MediaPage
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("media")
def handler(request: Request) -> MediaPage:
    return service.my_media_page(caller(request).user_id, request.parse_query(PageQuery))
