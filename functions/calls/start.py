"""POST /v1/calls {conversation_id, kind: audio|video}: a member starts a call; 201 with the
caller's {call_id, channel, token, uid, expires_at}. The other members get call.incoming (or a
push when no socket is open); 403 across a block, 409 while a call is live in the conversation.
With Idempotency-Key a retry gets the first response back."""

from plaza import idempotency
from plaza.chat import calls
from plaza.chat.call_models import CallIn
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    started = calls.start_call(caller(request).user_id, request.parse(CallIn),
                               request.header(idempotency.HEADER))
    return Response(started.status, started.value, idempotency.replayed_headers(started.replayed))
