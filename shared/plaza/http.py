"""API Gateway HTTP API (payload 2.0) plumbing: the request, the response, and `endpoint`.

`endpoint` wraps a function `fn(request) -> Response | body` into a Lambda handler. It turns
PlazaError and pydantic validation errors into RFC 9457 problem+json, never leaks a stack
trace, adds CORS headers for allowed origins and gzips large bodies the client accepts.
Deliberately tiny: it is on every function's cold-start path.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from plaza import errors, observability

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")

PROBLEM_JSON = "application/problem+json"
APPLICATION_JSON = "application/json"
# Below this, gzip costs more CPU than it saves on the wire.
GZIP_MIN_BYTES = 1024


class Response:
    """What a handler returns when a bare body (200, JSON) is not enough.

    A plain class rather than a dataclass: `dataclasses` loads `inspect`, ~15 ms of the
    liveness function's cold start (`python -X importtime`), for four attributes.
    """

    __slots__ = ("status", "body", "headers", "cookies")

    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None,
                 cookies: list[str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers: dict[str, str] = headers if headers is not None else {}
        self.cookies: list[str] = cookies if cookies is not None else []

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, body={self.body!r}, headers={self.headers!r})"


def no_content() -> Response:
    return Response(status=204)


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    # uuid and decimal are not imported for these checks: a value of their types means its
    # module is loaded already, and a function that never sees one does not pay for them.
    uuid, decimal = sys.modules.get("uuid"), sys.modules.get("decimal")
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    if decimal is not None and isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"), ensure_ascii=False)


class Request:
    """One HTTP API request, read lazily from the payload 2.0 event."""

    __slots__ = ("event", "_body", "_json")

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.event = event
        self._body: bytes | None = None
        self._json: Any = _UNSET

    @property
    def context(self) -> Mapping[str, Any]:
        return self.event.get("requestContext") or {}

    @property
    def method(self) -> str:
        return str((self.context.get("http") or {}).get("method", "GET")).upper()

    @property
    def path(self) -> str:
        return str(self.event.get("rawPath") or (self.context.get("http") or {}).get("path", "/"))

    @property
    def route_key(self) -> str:
        return str(self.event.get("routeKey", ""))

    @property
    def request_id(self) -> str:
        return str(self.context.get("requestId", ""))

    @property
    def source_ip(self) -> str:
        return str((self.context.get("http") or {}).get("sourceIp", ""))

    @property
    def headers(self) -> Mapping[str, str]:
        return self.event.get("headers") or {}

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def query(self) -> Mapping[str, str]:
        return self.event.get("queryStringParameters") or {}

    @property
    def path_params(self) -> Mapping[str, str]:
        return self.event.get("pathParameters") or {}

    @property
    def cookies(self) -> list[str]:
        return list(self.event.get("cookies") or [])

    @property
    def authorizer(self) -> Mapping[str, Any]:
        """The Lambda authorizer's context (HTTP API simple responses put it under `lambda`)."""
        auth = self.context.get("authorizer") or {}
        return auth.get("lambda") or auth

    @property
    def body(self) -> bytes:
        if self._body is None:
            raw = self.event.get("body") or ""
            if self.event.get("isBase64Encoded"):
                try:
                    self._body = base64.b64decode(raw, validate=True)
                except ValueError as exc:
                    raise errors.BadRequest("The body is not valid base64") from exc
            else:
                self._body = raw.encode() if isinstance(raw, str) else bytes(raw)
        return self._body

    def json(self) -> Any:
        if self._json is _UNSET:
            content_type = (self.header("content-type") or APPLICATION_JSON).split(";")[0].strip()
            if self.body and not (content_type == APPLICATION_JSON or content_type.endswith("+json")):
                raise errors.UnsupportedMediaType(
                    f"Expected a JSON body (Content-Type: application/json), got {content_type}"
                )
            if not self.body.strip():
                self._json = None
            else:
                try:
                    self._json = json.loads(self.body)
                except (UnicodeDecodeError, ValueError) as exc:
                    raise errors.BadRequest(f"The body is not valid JSON: {exc}") from exc
        return self._json

    def parse(self, model: type[M]) -> M:
        """The JSON body as `model`; 400 when it is not JSON, 422 listing each bad field."""
        data = self.json()
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise errors.Invalid("The body must be a JSON object",
                                 errors=[{"field": "body", "message": "must be an object",
                                          "type": "object_type"}])
        return validate(model, data, "body")

    def parse_query(self, model: type[M]) -> M:
        return validate(model, dict(self.query), "query")


class _Unset:
    pass


_UNSET: Any = _Unset()


def validate(model: type[M], data: Mapping[str, Any], where: str) -> M:
    # lazy: pydantic loads only in functions that validate (never in liveness)
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_from(exc, where) from None


def invalid_from(exc: Any, where: str = "body") -> errors.Invalid:
    """422 for a pydantic ValidationError of the data read from `where` (body, query, path)."""
    return invalid_fields(exc.errors(include_url=False, include_input=False), (where,))


def invalid_fields(items: Iterable[Mapping[str, Any]], prefix: tuple[str, ...] = ()) -> errors.Invalid:
    """422 listing pydantic's error items as {field, message, type}, the field named
    `prefix.location` (FastAPI's locations already start with body / query / path)."""
    fields = [
        {
            "field": ".".join([*prefix, *(str(part) for part in item.get("loc", ()))]),
            "message": item.get("msg", "invalid"),
            "type": item.get("type", "invalid"),
        }
        for item in items
    ]
    return errors.Invalid(errors=fields)


def _allowed_origin(origin: str | None) -> str | None:
    if not origin:
        return None
    allowed = os.environ.get("ALLOWED_ORIGINS", "*")
    origins = {item.strip() for item in allowed.split(",") if item.strip()}
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def to_api_gateway(request: Request | None, response: Response) -> dict[str, Any]:
    """Shape a Response as API Gateway's payload 2.0 result (CORS, gzip, base64)."""
    headers = {key.lower(): value for key, value in response.headers.items()}
    body = response.body
    is_base64 = False
    if body is None or response.status == 204:
        payload = b""
    elif isinstance(body, bytes):
        payload = body
        headers.setdefault("content-type", "application/octet-stream")
    elif isinstance(body, str) and "content-type" in headers:
        payload = body.encode()
    else:
        payload = dumps(body).encode()
        headers.setdefault("content-type", APPLICATION_JSON)
    if request is not None:
        origin = _allowed_origin(request.header("origin"))
        if origin:
            headers["access-control-allow-origin"] = origin
            if origin != "*":
                headers["vary"] = "Origin"
        accepts = request.header("accept-encoding") or ""
        if len(payload) >= GZIP_MIN_BYTES and "gzip" in accepts and "content-encoding" not in headers:
            # lazy: gzip and zlib load only when a response is large enough to compress
            import gzip

            payload = gzip.compress(payload, compresslevel=5)
            headers["content-encoding"] = "gzip"
            headers["vary"] = ", ".join(filter(None, [headers.get("vary"), "Accept-Encoding"]))
            is_base64 = True
    if isinstance(body, bytes):
        is_base64 = True
    result: dict[str, Any] = {
        "statusCode": response.status,
        "headers": headers,
        "body": base64.b64encode(payload).decode() if is_base64 else payload.decode(),
        "isBase64Encoded": is_base64,
    }
    if response.cookies:
        result["cookies"] = list(response.cookies)
    return result


def problem_response(error: errors.PlazaError, request: Request | None) -> Response:
    body = error.problem(
        instance=request.path if request else None,
        request_id=request.request_id if request else None,
    )
    headers = {"content-type": PROBLEM_JSON, **error.headers}
    return Response(status=error.status, body=dumps(body), headers=headers)


Handler = Callable[[Request], Any]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def endpoint(fn: Handler) -> LambdaHandler:
    """Turn `fn(request)` into a Lambda handler for an HTTP API route."""

    @wraps(fn)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request = Request(event)
        observability.bind_request(request.request_id, getattr(context, "aws_request_id", None))
        try:
            result = fn(request)
            response = result if isinstance(result, Response) else Response(body=result)
        except errors.PlazaError as error:
            if error.status >= 500:
                observability.log_error("request failed", error=error, status=error.status)
            response = problem_response(error, request)
        except Exception as error:  # noqa: BLE001 - the one place that stops stack traces leaking
            if type(error).__name__ == "ValidationError" and hasattr(error, "errors"):
                response = problem_response(invalid_from(error), request)
            else:
                observability.log_exception("unhandled error", error=error)
                response = problem_response(
                    errors.PlazaError("An unexpected error occurred; it has been logged"), request
                )
        return to_api_gateway(request, response)

    return handler
