"""PATCH /v1/users/me: change the caller's display name, bio or avatar; the updated account.

An avatar must be the caller's own ready avatar media (plaza.media; 422 naming the id else).
"""

from plaza.http import Request, endpoint
from plaza.identity import service
from plaza.identity.gateway import caller
from plaza.identity.models import UpdateMeIn, UserEnvelope
from plaza.media import service as media
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> UserEnvelope:
    changes = request.parse(UpdateMeIn).changes()
    user_id = caller(request).user_id
    avatar = changes.get("avatar_media_id")
    if avatar:
        media.require_attachable(user_id, [avatar], "avatar", field="body.avatar_media_id")
    user = service.update_me(caller(request), changes)
    if avatar:
        media.attach([avatar], "avatar", user_id)
    if user.avatar_media_id:
        shown = media.attached_media([user.avatar_media_id])
        user.avatar = shown[0] if shown else None
    return UserEnvelope(user=user)
