"""DELETE /v1/media/{id}: remove the caller's media, its object and variants; 204."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.media import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("media")
def handler(request: Request) -> Response:
    service.delete_media(caller(request).user_id, request.path_params.get("id", ""))
    return no_content()
