"""POST /v1/posts/{id}/comments: comment on a post the caller can see (1-2000 characters); with
Idempotency-Key a retry gets the first response back."""

from plaza import idempotency
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.posts import service
from plaza.posts.models import CommentIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    created = service.add_comment(caller(request).user_id, request.path_params.get("id", ""),
                                  request.parse(CommentIn), request.header(idempotency.HEADER))
    return Response(created.status, created.value, idempotency.replayed_headers(created.replayed))
