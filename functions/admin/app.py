"""ANY /v1/admin/{proxy+}: the admin API, one FastAPI app behind Mangum (many routes, few users).

The gateway's authorizer vouches for the caller; each route then requires moderator or admin
from the authorizer's context, and the service checks the role again. Errors are problem+json
with the request id, as plaza.http answers them everywhere else.

Routes and dependencies are `async def` on purpose: FastAPI runs plain `def` ones in a thread
pool, and each pool thread would open its own database connection (plaza.stores.db keeps one per
thread). Lambda serves one request at a time, so blocking the loop costs nothing.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query
from fastapi import Request as AppRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response as AppResponse
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES
from starlette.exceptions import HTTPException

from plaza import budget, errors, http, observability, ratelimit
from plaza.admin import queues, resolutions, service
from plaza.admin.models import (
    AdminUserEnvelope,
    AdminUserPage,
    DeadLetterPage,
    DeadLetterQuery,
    QueuePage,
    QueueWork,
    ReasonIn,
    RoleIn,
    UserQuery,
)
from plaza.analytics import service as analytics
from plaza.analytics.models import AnalyticsQuery, AnalyticsSeries
from plaza.audit import service as audit
from plaza.audit.models import AuditPage, AuditQuery
from plaza.identity.gateway import Caller, caller, require_role
from plaza.moderation import service as moderation
from plaza.moderation.models import QueuePage as ReportPage
from plaza.moderation.models import QueueQuery, Resolution, ResolveIn

app = FastAPI(title="Plaza admin", openapi_url=None, docs_url=None, redoc_url=None)


def _event(request: AppRequest) -> http.Request:
    return http.Request(request.scope.get("aws.event") or {})


def _problem(request: AppRequest, error: errors.PlazaError) -> AppResponse:
    if error.status >= 500:
        observability.log_error("request failed", error=error, status=error.status)
    shaped = http.problem_response(error, _event(request))
    return AppResponse(content=shaped.body, status_code=shaped.status, headers=shaped.headers)


@app.exception_handler(errors.PlazaError)
async def _plaza_error(request: AppRequest, error: errors.PlazaError) -> AppResponse:
    return _problem(request, error)


@app.exception_handler(RequestValidationError)
async def _invalid(request: AppRequest, error: RequestValidationError) -> AppResponse:
    return _problem(request, http.invalid_fields(error.errors()))


@app.exception_handler(HTTPException)
async def _routing(request: AppRequest, error: HTTPException) -> AppResponse:
    """Starlette's own answers (no such route, wrong method) as problems too."""
    if error.status_code == 404:
        problem: errors.PlazaError = errors.NotFound(f"No admin route {request.url.path}")
    elif error.status_code == 405:
        problem = errors.MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        problem.headers.update(error.headers or {})
    else:
        problem = errors.BadRequest(str(error.detail))
    return _problem(request, problem)


@app.exception_handler(Exception)
async def _unexpected(request: AppRequest, error: Exception) -> AppResponse:
    observability.log_exception("unhandled error", error=error)
    return _problem(request, errors.PlazaError("An unexpected error occurred; it has been logged"))


def _caller_with(role: str) -> Callable[[AppRequest], Awaitable[Caller]]:
    async def dependency(request: AppRequest) -> Caller:
        who = caller(_event(request))
        require_role(who, role)
        ratelimit.check("core", f"user:{who.user_id}")
        return who

    return dependency


Moderator = Annotated[Caller, Depends(_caller_with("moderator"))]
Admin = Annotated[Caller, Depends(_caller_with("admin"))]


@app.get("/v1/admin/users")
async def list_users(who: Moderator, query: Annotated[UserQuery, Query()]) -> AdminUserPage:
    return service.list_users(who, query)


@app.get("/v1/admin/users/{user_id}")
async def get_user(who: Moderator, user_id: UUID) -> AdminUserEnvelope:
    return AdminUserEnvelope(user=service.get_user(who, str(user_id)))


@app.post("/v1/admin/users/{user_id}/suspend")
async def suspend(who: Moderator, user_id: UUID, body: ReasonIn | None = None) -> AdminUserEnvelope:
    return AdminUserEnvelope(user=service.suspend(who, str(user_id), _reason(body)))


@app.post("/v1/admin/users/{user_id}/reinstate")
async def reinstate(who: Moderator, user_id: UUID,
                    body: ReasonIn | None = None) -> AdminUserEnvelope:
    return AdminUserEnvelope(user=service.reinstate(who, str(user_id), _reason(body)))


@app.put("/v1/admin/users/{user_id}/role")
async def set_role(who: Admin, user_id: UUID, body: RoleIn) -> AdminUserEnvelope:
    return AdminUserEnvelope(user=service.set_role(who, str(user_id), body.role, body.reason))


def _reason(body: ReasonIn | None) -> str | None:
    return body.reason if body else None


@app.get("/v1/admin/reports")
async def report_queue(who: Moderator, query: Annotated[QueueQuery, Query()]) -> ReportPage:
    return moderation.queue_page(who, query)


@app.post("/v1/admin/reports/{report_id}/resolve")
async def resolve_report(who: Moderator, report_id: UUID, body: ResolveIn) -> Resolution:
    return resolutions.resolve(who, str(report_id), body)


@app.get("/v1/admin/audit")
async def audit_log(who: Admin, query: Annotated[AuditQuery, Query()]) -> AuditPage:
    return audit.audit_page(who, query)


@app.get("/v1/admin/queues")
async def queue_list(who: Admin) -> QueuePage:
    return queues.queue_page(who)


@app.get("/v1/admin/queues/{name}/dead-letters")
async def dead_letters(who: Admin, name: str,
                       query: Annotated[DeadLetterQuery, Query()]) -> DeadLetterPage:
    return queues.dead_letters(who, name, query.limit)


@app.post("/v1/admin/queues/{name}/redrive")
async def redrive(who: Admin, name: str, body: ReasonIn | None = None) -> QueueWork:
    return queues.redrive(who, name, _reason(body))


@app.post("/v1/admin/queues/{name}/purge")
async def purge(who: Admin, name: str, body: ReasonIn | None = None) -> QueueWork:
    return queues.purge(who, name, _reason(body))


@app.get("/v1/admin/analytics")
async def analytics_series(who: Moderator,
                           query: Annotated[AnalyticsQuery, Query()]) -> AnalyticsSeries:
    """The hourly rollup's numbers, one value (or null) per bucket of the range."""
    return analytics.series(who, query)


@app.get("/v1/admin/openapi.json", include_in_schema=False)
async def admin_openapi(who: Admin) -> dict[str, Any]:
    """The admin API's own OpenAPI document, for admins only (docs/openapi.json has it too)."""
    return app.openapi()


# Problems are text too: Mangum would base64 a content type it does not know.
_adapter = Mangum(app, lifespan="off", text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, http.PROBLEM_JSON])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = http.Request(event)
    observability.bind_request(request.request_id, getattr(context, "aws_request_id", None))
    try:
        # FastAPI's JSON parser recurses (a deep body would be a RecursionError, a 500) and lets
        # a NUL character through to Postgres: the checks every other route gets, first.
        http.refuse_malformed(request, body=True)
    except errors.PlazaError as error:
        return http.to_api_gateway(request, http.problem_response(error, request))
    with budget.Invocation():
        return dict(_adapter(event, context))
