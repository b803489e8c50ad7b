"""GET /v1/me/wallet: the caller's coin balance (the sum of their ledger entries)."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.payments import service
from plaza.payments.models import WalletOut


@endpoint
def handler(request: Request) -> WalletOut:
    return service.wallet(caller(request).user_id)
