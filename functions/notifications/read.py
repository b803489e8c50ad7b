"""POST /v1/notifications/read: mark {ids: [...]} or {all: true} of the caller's notifications read."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.notifications import service
from plaza.notifications.models import ReadIn, ReadOut
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> ReadOut:
    return service.mark_read(caller(request).user_id, request.parse(ReadIn))
