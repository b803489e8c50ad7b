"""DELETE /v1/posts/{id}: soft-delete a post, by its author or a moderator."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.posts import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    who = caller(request)
    service.delete_post(who.user_id, who.role, request.path_params.get("id", ""))
    return no_content()
