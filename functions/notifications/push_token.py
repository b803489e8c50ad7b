"""PUT /v1/devices/{device_id}/push-token: register {token, platform} for pushes to that device."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import PushTokenIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    body = request.parse(PushTokenIn)
    service.register_push_token(caller(request).user_id, request.path_params.get("device_id", ""),
                                body.platform, body.token)
    return no_content()
