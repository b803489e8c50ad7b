"""POST /v1/media/uploads: sign one upload (a presigned POST, or a multipart upload past 10 MB
where the purpose allows it) within the purpose's limits and the caller's quota."""

from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.media import service
from plaza.media.models import UploadIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("media")
def handler(request: Request) -> Response:
    upload = service.create_upload(caller(request).user_id, request.parse(UploadIn))
    return Response(201, upload, {"location": f"/v1/media/{upload.media_id}"})
