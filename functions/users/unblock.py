"""DELETE /v1/users/{username}/block: lift a block; 204 also when there was none."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.social import service


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    service.unblock(caller(request).user_id, request.path_params.get("username", ""))
    return no_content()
