"""POST /v1/conversations/{id}/members: add people to a group; every member, the new ones
included, gets `conversation.updated`."""

from plaza.chat import service
from plaza.chat.models import MembersIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    conversation = service.add_members(caller(request).user_id, request.path_params.get("id", ""),
                                       request.parse(MembersIn))
    return Response(200, conversation)
