"""PATCH /v1/links/{code} {url?, expires_at?}: a new target or expiry (null: none)."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.links import service, short_urls
from plaza.links.models import LinkOut, LinkPatch
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("links")
def handler(request: Request) -> LinkOut:
    return service.update_link(caller(request).user_id, request.path_params.get("code", ""),
                               request.parse(LinkPatch), short_urls.base(request))
