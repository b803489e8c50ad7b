"""PATCH /v1/posts/{id}: the author changes the text within 15 minutes (409 after)."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PostOut
from plaza.posts import service
from plaza.posts.models import PostEdit
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostOut:
    return service.edit_post(caller(request).user_id, request.path_params.get("id", ""),
                             request.parse(PostEdit))
