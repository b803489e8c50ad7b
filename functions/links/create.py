"""POST /v1/links {url, alias?, expires_at?}: a short link (201); 409 when the alias is taken,
422 for a target that is not public http(s). Idempotency-Key: a retry gets the first answer."""

from plaza import idempotency
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.links import service, short_urls
from plaza.links.models import LinkIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("links")
def handler(request: Request) -> Response:
    created = service.create_link(caller(request).user_id, request.parse(LinkIn),
                                  short_urls.base(request), request.header(idempotency.HEADER))
    return Response(created.status, created.value, idempotency.replayed_headers(created.replayed))
