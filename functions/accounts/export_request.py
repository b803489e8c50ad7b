"""POST /v1/me/exports: start an export of the caller's data (one a day; 429 otherwise); 202
{id, status, progress, ...}. The data_export state machine (DATA_EXPORT_STATE_MACHINE_ARN) does
the work; GET /v1/me/exports/{id} follows it."""

import os

from plaza.accounts import exports
from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> Response:
    return Response(202, exports.request_export(caller(request).user_id,
                                                os.environ.get("DATA_EXPORT_STATE_MACHINE_ARN")))
