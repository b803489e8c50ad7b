"""GET /v1/conversations/{id}/calls: the conversation's call log (?limit, ?cursor), newest first,
with answer and end times and durations; 404 for anyone but its members."""

from plaza.chat import calls
from plaza.chat.call_models import CallPage
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> CallPage:
    return calls.call_page(caller(request).user_id, request.path_params.get("id", ""),
                           request.parse_query(PageQuery))
