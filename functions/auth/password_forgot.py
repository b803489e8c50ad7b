"""POST /v1/auth/password/forgot: email a reset link; 202 whether or not the account exists."""

from plaza.http import Request, Response, endpoint
from plaza.identity import service
from plaza.identity.models import ForgotPasswordIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("auth")
def handler(request: Request) -> Response:
    service.forgot_password(request.parse(ForgotPasswordIn).email)
    return Response(status=202)
