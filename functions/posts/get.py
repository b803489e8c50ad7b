"""GET /v1/posts/{id}: one post; 404 when it is gone, followers-only, or across a block."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PostOut
from plaza.posts import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostOut:
    return service.get_post(caller(request).user_id, request.path_params.get("id", ""))
