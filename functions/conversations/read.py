"""POST /v1/conversations/{id}/read: read up to a message (default: the last); the others are told."""

from plaza.chat import service
from plaza.chat.models import ReadIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    body = request.parse(ReadIn)
    event = service.read_messages(caller(request).user_id, request.path_params.get("id", ""),
                                  None if body.message_id is None else str(body.message_id))
    return Response(200, {"conversation_id": event["conversation_id"],
                          "message_id": event["message_id"], "seq": event["seq"]})
