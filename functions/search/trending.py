"""GET /v1/search/trending (public): today's 10 most searched queries, normalised, no user ids."""

from plaza.http import Request, endpoint
from plaza.ratelimit import rate_limited
from plaza.search import insights
from plaza.search.models import TrendingQueries


@endpoint
@rate_limited("core")  # no caller: counted per address
def handler(request: Request) -> TrendingQueries:
    return insights.trending()
