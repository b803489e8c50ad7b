"""GET /v1/users/{username}/followers: a keyset page (?limit, ?cursor), newest first."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited
from plaza.social import service
from plaza.social.models import UserPage


@endpoint
@rate_limited("core")
def handler(request: Request) -> UserPage:
    return service.follow_page(caller(request).user_id, request.path_params.get("username", ""),
                               "followers", request.parse_query(PageQuery))
