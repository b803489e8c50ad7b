"""POST /v1/wallet/transfers {to, amount}: gift coins to another user; 409 with too few; with
Idempotency-Key a retry gets the first answer back and moves nothing."""

from plaza import idempotency
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.payments import service
from plaza.payments.models import TransferIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    sent = service.transfer(caller(request).user_id, request.parse(TransferIn),
                            request.header(idempotency.HEADER))
    return Response(sent.status, sent.value, idempotency.replayed_headers(sent.replayed))
