"""POST /v1/auth/login: password login on one device; a token pair for that device.

No per-IP request budget: only wrong passwords count (plaza.identity.throttle), so one address
shared by many users who type their passwords is never shut.
"""

# Notifications registers, when imported, what an ended session does to its devices: its
# sockets close, its push token goes.
import plaza.notifications.sessions  # noqa: F401
from plaza import config
from plaza.http import Request, endpoint
from plaza.identity import gateway, service, tokens
from plaza.identity.models import LoginIn, TokenPair

# A missing JWT_KEYS is one log line now and a 503 per request, not a 500 with a traceback.
config.check_at_init(tokens.require_signing_keys)


@endpoint
def handler(request: Request) -> TokenPair:
    data = request.parse(LoginIn)
    return service.login(data, gateway.device_id(request), request.source_ip,
                         request.header("user-agent") or "")
