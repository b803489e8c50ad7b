"""GET /v1/hashtags/{tag}/posts: a keyset page of a hashtag's posts the caller may see."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery, PostPage
from plaza.posts import service
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> PostPage:
    return service.hashtag_posts_page(caller(request).user_id, request.path_params.get("tag", ""),
                                      request.parse_query(PageQuery))
