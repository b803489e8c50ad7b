"""PUT /v1/users/{username}/block: block a user and drop the follows both ways (idempotent)."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.social import service


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    service.block(caller(request).user_id, request.path_params.get("username", ""))
    return no_content()
