"""GET /v1/conversations: the caller's conversations, most recently active first, with unread counts."""

from plaza.chat import service
from plaza.chat.models import ConversationPage
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.models import PageQuery
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> ConversationPage:
    query = request.parse_query(PageQuery)
    return service.conversation_page(caller(request).user_id, query.limit, query.cursor)
