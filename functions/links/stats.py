"""GET /v1/links/{code}/stats?from=&to=: clicks and uniques per day, top referrers, countries,
devices and browsers (owner only)."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.links import service
from plaza.links.models import StatsOut, StatsQuery
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("links")
def handler(request: Request) -> StatsOut:
    return service.stats(caller(request).user_id, request.path_params.get("code", ""),
                         request.parse_query(StatsQuery))
