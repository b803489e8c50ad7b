"""PATCH /v1/users/me: change the caller's display name, bio or avatar; the updated account."""

from plaza.http import Request, endpoint
from plaza.identity import service
from plaza.identity.gateway import caller
from plaza.identity.models import UpdateMeIn, UserEnvelope
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> UserEnvelope:
    changes = request.parse(UpdateMeIn).changes()
    return UserEnvelope(user=service.update_me(caller(request), changes))
