"""POST /v1/media/uploads/{id}/complete: assemble a multipart upload's parts; 409 past the quota."""

from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.media import service
from plaza.media.models import CompleteIn, MediaOut
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("media")
def handler(request: Request) -> MediaOut:
    return service.complete_upload(caller(request).user_id, request.path_params.get("id", ""),
                                   request.parse(CompleteIn))
