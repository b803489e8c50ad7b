"""GET /v1/me/exports/{id}: the caller's export: {status, progress, download_url when ready}."""

from plaza.accounts import exports
from plaza.accounts.models import ExportOut
from plaza.http import Request, endpoint
from plaza.identity.gateway import caller
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
def handler(request: Request) -> ExportOut:
    return exports.export_status(caller(request).user_id, request.path_params.get("id", ""))
