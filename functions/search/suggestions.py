"""GET /v1/search/suggestions: up to 10 users, then hashtags, whose name starts with ?q=."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.search import suggest
from plaza.search.models import SuggestionList, SuggestionQuery


@endpoint
@rate_limited("core")
def handler(request: Request) -> SuggestionList:
    return suggest.suggestions(caller(request).user_id, request.parse_query(SuggestionQuery).q)
