"""GET /v1/conversations/{id}/messages: a member's history, newest first; 404 for anyone else."""

from plaza.chat import service
from plaza.chat.models import MessagePage
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> MessagePage:
    query = request.parse_query(PageQuery)
    return service.message_page(caller(request).user_id, request.path_params.get("id", ""),
                                query.limit, query.cursor)
