"""DELETE /v1/posts/{id}/like: take a like back; 204 also when not liked."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.posts import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    service.unlike(caller(request).user_id, request.path_params.get("id", ""))
    return no_content()
