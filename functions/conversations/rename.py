"""PATCH /v1/conversations/{id}: rename a group; every member gets `conversation.updated`."""

from plaza.chat import service
from plaza.chat.models import ConversationPatch
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    renamed = service.rename_conversation(caller(request).user_id, request.path_params.get("id", ""),
                                          request.parse(ConversationPatch))
    return Response(200, renamed)
