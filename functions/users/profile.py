"""GET /v1/users/{username}: a profile with its counts; 404 when a block stands either way."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.social import service
from plaza.social.models import ProfileOut


@endpoint
@rate_limited("core")
def handler(request: Request) -> ProfileOut:
    return service.profile(caller(request).user_id, request.path_params.get("username", ""))
