"""GET /v1/users/me/blocks: the users the caller blocked, a keyset page (?limit, ?cursor)."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited
from plaza.social import service
from plaza.social.models import BlockPage


@endpoint
@rate_limited("core")
def handler(request: Request) -> BlockPage:
    return service.block_page(caller(request).user_id, request.parse_query(PageQuery))
