"""POST /v1/conversations/{id}/messages: send as over the WebSocket; a repeated client_msg_id replays."""

from plaza.chat import service
from plaza.chat.models import MessageIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    sent = service.send_message(caller(request).user_id, request.path_params.get("id", ""),
                                request.parse(MessageIn))
    headers = {"idempotent-replayed": "true"} if sent.replayed else {}
    return Response(200 if sent.replayed else 201, sent.message, headers)
