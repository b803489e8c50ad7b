"""POST /v1/conversations: a direct conversation (one username, reused) or a group (up to 50)."""

from plaza.chat import service
from plaza.chat.models import ConversationIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    conversation, created = service.create_conversation(caller(request).user_id,
                                                        request.parse(ConversationIn))
    return Response(201 if created else 200, conversation,
                    {"location": f"/v1/conversations/{conversation.id}"})
