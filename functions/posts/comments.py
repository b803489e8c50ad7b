"""GET /v1/posts/{id}/comments: a keyset page (?limit, ?cursor) of comments, oldest first."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.posts import service
from plaza.posts.models import CommentPage
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> CommentPage:
    return service.comment_page(caller(request).user_id, request.path_params.get("id", ""),
                                request.parse_query(PageQuery))
