"""PUT /v1/devices/{device_id}/push-token: register {token, platform} for pushes to the caller's
own device (the one signed in; any other is 403)."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import PushTokenIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    body = request.parse(PushTokenIn)
    service.register_own_push_token(caller(request), request.path_params.get("device_id", ""),
                                    body.platform, body.token)
    return no_content()
