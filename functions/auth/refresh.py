"""POST /v1/auth/refresh: rotate a refresh token (same device) into a new token pair."""

# Notifications registers, when imported, what an ended session does to its devices: its
# sockets close, its push token goes.
import plaza.notifications.sessions  # noqa: F401
from plaza import config
from plaza.http import Request, endpoint
from plaza.identity import gateway, service, tokens
from plaza.identity.models import RefreshIn, TokenPair
from plaza.ratelimit import rate_limited

# A missing JWT_KEYS is one log line now and a 503 per request, not a 500 with a traceback.
config.check_at_init(tokens.require_signing_keys)


@endpoint
@rate_limited("core")
def handler(request: Request) -> TokenPair:
    data = request.parse(RefreshIn)
    return service.refresh(data.refresh_token, gateway.device_id(request))
