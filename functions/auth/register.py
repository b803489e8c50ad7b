"""POST /v1/auth/register: create an account and email a verification link."""

from plaza.http import Request, Response, endpoint
from plaza.identity import service
from plaza.identity.models import RegisterIn, UserEnvelope
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("auth")
def handler(request: Request) -> Response:
    user = service.register(request.parse(RegisterIn))
    return Response(status=201, body=UserEnvelope(user=user))
