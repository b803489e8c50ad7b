"""API Gateway HTTP API (payload 2.0) plumbing: the request, the response, and `endpoint`.

`endpoint` wraps a function `fn(request) -> Response | body` into a Lambda handler. It turns
PlazaError and pydantic validation errors into RFC 9457 problem+json, never leaks a stack
trace, adds CORS headers for allowed origins and gzips large bodies the client accepts.
Malformed input is the client's error, never a 500: JSON nested deeper than MAX_JSON_DEPTH is a
400, a NUL character (which no Postgres text can hold) in any parameter or body string a 422.
Where the deployment requires a verified email, a write (any method but GET/HEAD/OPTIONS) by a
caller whose token says it is unverified is a 403 `email-unverified`, unless the route is
`open_to_unverified` (signing out): read from the authorizer's context, it costs no store call.
Deliberately tiny: it is on every function's cold-start path.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from plaza import budget, errors, observability

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")

PROBLEM_JSON = "application/problem+json"
APPLICATION_JSON = "application/json"
# Below this, gzip costs more CPU than it saves on the wire.
GZIP_MIN_BYTES = 1024
# No request of ours nests this deep; Python's parser would recurse until RecursionError first.
MAX_JSON_DEPTH = 64
# A JSON string (skipped whole: brackets inside it do not nest) or a bracket.
_JSON_NESTING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
NUL = "\x00"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NUL_SHOWN = "\\u0000"  # how a field name shows a NUL it holds


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
                self._json = loads(self.body)
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


def loads(text: bytes | str) -> Any:
    """JSON a client sent; BadRequest when it is not JSON or nests deeper than MAX_JSON_DEPTH."""
    raw = text.encode() if isinstance(text, str) else text
    if _nests_too_deep(raw):
        raise errors.BadRequest(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise errors.BadRequest(f"The body is not valid JSON: {exc}") from exc


def _nests_too_deep(raw: bytes) -> bool:
    # Fewer opening brackets than the bound cannot nest past it: almost every body stops here,
    # at the cost of two C-speed counts. Else one regex pass, no recursion, strings skipped.
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    for token in _JSON_NESTING.findall(raw):
        if token[0] in _OPENERS:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif token[0] in _CLOSERS:
            depth -= 1
    return False


def nul_fields(value: Any, field: str) -> list[str]:
    """The fields (`field.key.0`...) of parsed JSON or parameters holding a NUL character, in a
    string or a key."""
    found: list[str] = []
    if isinstance(value, str):
        if NUL in value:
            found.append(field)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{field}.{str(key).replace(NUL, NUL_SHOWN)}"
            if NUL in str(key):
                found.append(name)
            found += nul_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_fields(item, f"{field}.{index}")
    return found


def refuse_nul(value: Any, where: str, *others: tuple[Any, str]) -> None:
    """422 naming each field of `value` (read from `where`), and of each (value, where) of
    `others`, that holds a NUL character."""
    fields = [field for item, place in ((value, where), *others) for field in nul_fields(item, place)]
    if fields:
        raise errors.Invalid("Text may not contain NUL characters", errors=[
            {"field": field, "message": f"must not contain NUL ({NUL_SHOWN}) characters",
             "type": "nul_character"} for field in fields])


def refuse_malformed(request: Request, *, body: bool = False) -> None:
    """What no route accepts: NUL characters in path or query parameters (422). With `body`, for
    a route that reads its body itself (FastAPI): a JSON body nested too deep (400) or holding
    NUL characters (422); a body that is not JSON is left to the route. `endpoint` checks the
    parameters; `Request.parse`, the body of the routes that read one."""
    refuse_nul(request.path_params, "path", (request.query, "query"))
    if body and request.body.strip():
        try:
            data = loads(request.body)
        except errors.BadRequest:
            if _nests_too_deep(request.body):
                raise
            return
        refuse_nul(data, "body")


def validate(model: type[M], data: Mapping[str, Any], where: str) -> M:
    # lazy: pydantic loads only in functions that validate (never in liveness)
    from pydantic import ValidationError

    refuse_nul(data, where)
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
        with budget.Invocation():
            response = _respond(fn, request)
        return to_api_gateway(request, response)

    return handler


def open_to_unverified(fn: Handler) -> Handler:
    """Mark a route an account with an unverified email may call even where writes need a
    verified one (signing out must always work)."""
    fn.open_to_unverified = True  # type: ignore[attr-defined]
    return fn


def refuse_unverified(fn: Handler, request: Request) -> None:
    """EmailUnverified for a write by a caller whose email is unverified, where it must be."""
    if request.method in READ_METHODS or getattr(fn, "open_to_unverified", False):
        return
    if str(request.authorizer.get("email_verified", "true")).lower() != "false":
        return
    # lazy: settings load only for an unverified caller's write (never in liveness)
    from plaza.config import settings

    if settings().require_verified_email:
        raise errors.EmailUnverified()


class Misconfigured(errors.Unavailable):
    """503 for a function missing a setting: what is missing is in its log, not in the answer."""

    code = "misconfigured"

    def __init__(self) -> None:
        super().__init__("This service is not configured correctly; the error has been logged")


def _configuration_error(error: BaseException | None = None) -> bool:
    """Whether `error` (None: the function's init) is a plaza.config.ConfigurationError.

    Through sys.modules: importing plaza.config costs the liveness function its cold start,
    and a container that never loaded it has found no configuration error."""
    config = sys.modules.get("plaza.config")
    if config is None:
        return False
    if error is None:
        return config.init_error() is not None
    if isinstance(error, config.ConfigurationError):
        config.log_configuration_error(error, at="request")
        return True
    return False


def _respond(fn: Handler, request: Request) -> Response:
    """`fn`'s answer to the request, or the problem it raised."""
    if _configuration_error():  # logged once, at init
        return problem_response(Misconfigured(), request)
    try:
        refuse_malformed(request)
        refuse_unverified(fn, request)
        result = fn(request)
        return result if isinstance(result, Response) else Response(body=result)
    except errors.PlazaError as error:
        if error.status >= 500:
            observability.log_error("request failed", error=error, status=error.status)
        return problem_response(error, request)
    except Exception as error:  # noqa: BLE001 - the one place that stops stack traces leaking
        if type(error).__name__ == "ValidationError" and hasattr(error, "errors"):
            return problem_response(invalid_from(error), request)
        if _configuration_error(error):
            return problem_response(Misconfigured(), request)
        observability.log_exception("unhandled error", error=error)
        return problem_response(
            errors.PlazaError("An unexpected error occurred; it has been logged"), request)
