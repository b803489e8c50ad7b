"""GET /v1/trending/hashtags: hashtags by decayed engagement over the last 24 h (?limit ≤ 50)."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited
from plaza.trending import service
from plaza.trending.models import HashtagList, HashtagQuery


@endpoint
@rate_limited("core")
def handler(request: Request) -> HashtagList:
    caller(request)  # signed-in users only, like every /v1 read
    return service.trending_hashtags(request.parse_query(HashtagQuery).limit)
