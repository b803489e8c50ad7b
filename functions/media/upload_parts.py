"""POST /v1/media/uploads/{id}/parts: presigned URLs for parts of a multipart upload."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.media import service
from plaza.media.models import PartsIn, PartsOut
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("media")
def handler(request: Request) -> PartsOut:
    return service.sign_parts(caller(request).user_id, request.path_params.get("id", ""),
                              request.parse(PartsIn))
