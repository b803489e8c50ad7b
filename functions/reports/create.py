"""POST /v1/reports: report a post, comment, user or message the caller can see (a message only
as a member of its conversation). A repeat while the first is open answers 200 with it; a new
report 201. 10 an hour per user (the `reports` rate-limit group)."""

from plaza.http import Request, Response, endpoint
from plaza.identity.gateway import caller
from plaza.moderation import service
from plaza.moderation.models import ReportEnvelope, ReportIn
from plaza.ratelimit import rate_limited


@endpoint
@rate_limited("core")
@rate_limited("reports")
def handler(request: Request) -> Response:
    report, created = service.report(caller(request), request.parse(ReportIn))
    return Response(201 if created else 200, ReportEnvelope(report=report))
