"""GET /v1/notifications/web-push-key: the VAPID public key (base64url, uncompressed P-256 point)
a browser passes to PushManager.subscribe as its applicationServerKey; 404 when Web Push is not
configured."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import WebPushKeyOut
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> WebPushKeyOut:
    caller(request)  # Unauthorized if the route were ever deployed without the authorizer
    return service.web_push_key()
