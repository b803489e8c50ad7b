"""DELETE /v1/users/{username}/follow: stop following a user; 204 also when not following."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.social import service


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    service.unfollow(caller(request).user_id, request.path_params.get("username", ""))
    return no_content()
