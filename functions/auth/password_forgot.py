"""POST /v1/auth/password/forgot: queue a reset link; 202 whether or not the account exists.

The route only queues (functions/auth/send_email.py looks the account up and sends), so it does
the same work, in the same time, for an address with no account.
"""

from plaza.http import Request, Response, endpoint
from plaza.identity import service
from plaza.identity.models import ForgotPasswordIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("auth")
def handler(request: Request) -> Response:
    service.forgot_password(request.parse(ForgotPasswordIn).email)
    return Response(status=202)
