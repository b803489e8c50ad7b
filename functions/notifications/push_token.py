"""PUT /v1/devices/{device_id}/push-token: register, for the caller's own device (the one signed
in; any other is 403), a mobile token {token, platform} or a browser's Web Push subscription
{endpoint, keys: {p256dh, auth}} (PushSubscription.toJSON())."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import PushTokenIn, WebPushSubscriptionIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    who, device_id = caller(request), request.path_params.get("device_id", "")
    body = request.json()
    if isinstance(body, dict) and "endpoint" in body:
        service.register_own_web_push(who, device_id, request.parse(WebPushSubscriptionIn))
    else:
        token = request.parse(PushTokenIn)
        service.register_own_push_token(who, device_id, token.platform, token.token)
    return no_content()
