"""GET /v1/links/{code}: one of the caller's links; 404 for anyone else's."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.links import service, short_urls
from plaza.links.models import LinkOut
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("links")
def handler(request: Request) -> LinkOut:
    return service.get_link(caller(request).user_id, request.path_params.get("code", ""),
                            short_urls.base(request))
