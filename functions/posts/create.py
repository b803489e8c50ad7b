"""POST /v1/posts: create a post; with Idempotency-Key a retry gets the first response back."""

from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.posts import service
from plaza.posts.models import PostIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    created = service.create_post(caller(request).user_id, request.parse(PostIn),
                                  request.header("idempotency-key"))
    headers = {"location": f"/v1/posts/{created.post.id}"}
    if created.replayed:
        headers["idempotent-replayed"] = "true"
    return Response(201, created.post, headers)
