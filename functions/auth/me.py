"""GET /v1/auth/me: the caller's own account (with the avatar's URLs when it has one)."""

from plaza.http import Request, endpoint
from plaza.identity import gateway, service
from plaza.identity.models import UserEnvelope
from plaza.media import service as media
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> UserEnvelope:
    user = service.me(gateway.caller(request))
    if user.avatar_media_id:
        shown = media.attached_media([user.avatar_media_id])
        user.avatar = shown[0] if shown else None
    return UserEnvelope(user=user)
