"""POST /v1/conversations/{id}/messages: send as over the WebSocket; a repeated client_msg_id or
Idempotency-Key replays."""

from plaza import idempotency
from plaza.chat import service
from plaza.chat.models import MessageIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    sent = service.send_message(caller(request).user_id, request.path_params.get("id", ""),
                                request.parse(MessageIn),
                                idempotency_key=request.header(idempotency.HEADER))
    return Response(sent.status, sent.message, idempotency.replayed_headers(sent.replayed))
