"""GET /v1/users/{username}/posts: a keyset page of a user's posts the caller may see, newest first."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery, PostPage
from plaza.posts import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostPage:
    return service.user_posts_page(caller(request).user_id,
                                   request.path_params.get("username", ""),
                                   request.parse_query(PageQuery))
