"""POST /v1/auth/verify-email: confirm an address with the token from the email."""

from plaza.http import Request, Response, endpoint, no_content
from plaza.identity import service
from plaza.identity.models import VerifyEmailIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("auth")
def handler(request: Request) -> Response:
    service.verify_email(request.parse(VerifyEmailIn).token)
    return no_content()
