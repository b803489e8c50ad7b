"""POST /v1/me/deletion/cancel {email|username, password}: sign in again within the grace
period; the deletion is cancelled and the answer is a login's token pair for this device."""

import plaza.notifications.sessions  # noqa: F401 - a login may replace the device's session
from plaza.accounts import service as accounts
from plaza.http import Request, endpoint
from plaza.identity import gateway, service
from plaza.identity.models import LoginIn, TokenPair


@endpoint
def handler(request: Request) -> TokenPair:
    data = request.parse(LoginIn)
    device_id = gateway.device_id(request)
    accounts.cancel_deletion(data, request.source_ip)
    return service.login(data, device_id, request.source_ip, request.header("user-agent") or "")
