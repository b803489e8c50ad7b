"""POST /v1/conversations: a direct conversation (one username, reused) or a group (up to 50);
with Idempotency-Key a retry gets the first response back."""

from plaza import idempotency
from plaza.chat import service
from plaza.chat.models import ConversationIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    created = service.create_conversation(caller(request).user_id, request.parse(ConversationIn),
                                          request.header(idempotency.HEADER))
    return Response(created.status, created.value, {
        "location": f"/v1/conversations/{created.value.id}",
        **idempotency.replayed_headers(created.replayed)})
