"""GET /v1/admin/search/insights (moderator+): popular and zero-result queries per day, ?from=&to=."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller, require_role
from plaza.ratelimit import rate_limited
from plaza.search import insights
from plaza.search.models import InsightsQuery, SearchInsights


@endpoint
@rate_limited("core")
def handler(request: Request) -> SearchInsights:
    require_role(caller(request), "moderator")
    return insights.report(request.parse_query(InsightsQuery))
