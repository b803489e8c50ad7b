"""DELETE /v1/links/{code}: 204; the short URL answers 410 from then on."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.links import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("links")
def handler(request: Request) -> Response:
    service.delete_link(caller(request).user_id, request.path_params.get("code", ""))
    return no_content()
