"""Domain exceptions; plaza.http turns each into an RFC 9457 problem+json response."""

from __future__ import annotations

from typing import Any


class PlazaError(Exception):
    """Base of the errors a caller can be told about. Anything else is a 500."""

    status = 500
    title = "Internal Server Error"
    code = "internal"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra
        self.headers: dict[str, str] = {}

    @property
    def type(self) -> str:
        return f"https://plaza.dev/problems/{self.code}"

    def problem(self, instance: str | None = None, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if request_id:
            body["request_id"] = request_id
        body.update(self.extra)
        return body


class BadRequest(PlazaError):
    status, title, code = 400, "Bad Request", "bad-request"


class Unauthorized(PlazaError):
    status, title, code = 401, "Unauthorized", "unauthorized"


class Forbidden(PlazaError):
    status, title, code = 403, "Forbidden", "forbidden"


class EmailUnverified(Forbidden):
    """403 for a write (or a WebSocket) by an account whose email is not verified yet, where the
    deployment requires it (RequireVerifiedEmail)."""

    code = "email-unverified"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or "Verify your email address first (POST /v1/auth/verify-email"
                                   " with the emailed token), then refresh your session", **extra)


class NotFound(PlazaError):
    status, title, code = 404, "Not Found", "not-found"


class MethodNotAllowed(PlazaError):
    status, title, code = 405, "Method Not Allowed", "method-not-allowed"


class Conflict(PlazaError):
    status, title, code = 409, "Conflict", "conflict"


class Gone(PlazaError):
    """410: the thing existed and will not come back (a deleted or expired short link)."""

    status, title, code = 410, "Gone", "gone"


class PayloadTooLarge(PlazaError):
    status, title, code = 413, "Payload Too Large", "payload-too-large"


class UnsupportedMediaType(PlazaError):
    status, title, code = 415, "Unsupported Media Type", "unsupported-media-type"


class Invalid(PlazaError):
    """422: the request is well-formed but its fields break the rules."""

    status, title, code = 422, "Unprocessable Content", "validation"

    def __init__(self, detail: str | None = None, errors: list[dict[str, Any]] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or "One or more fields are invalid", **extra)
        self.errors = errors or []
        if self.errors:
            self.extra["errors"] = self.errors


class RateLimited(PlazaError):
    status, title, code = 429, "Too Many Requests", "rate-limited"

    def __init__(self, detail: str | None = None, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(detail or "Too many requests; slow down", **extra)
        self.retry_after = max(1, int(retry_after))
        self.headers["Retry-After"] = str(self.retry_after)


class Unavailable(PlazaError):
    """503: a dependency is down; `dependency` names it."""

    status, title, code = 503, "Service Unavailable", "unavailable"

    def __init__(self, detail: str | None = None, retry_after: int | None = None,
                 **extra: Any) -> None:
        super().__init__(detail, **extra)
        if retry_after:
            self.headers["Retry-After"] = str(retry_after)
