"""The stack's HTTP APIs on one port, shaped as API Gateway HTTP API (payload 2.0) serves them.

One raw ASGI app under uvicorn: it matches the request to a route the way API Gateway does
(exact, then parameterised, greedy last, then `$default`), applies the route's Lambda authorizer
(identity sources, simple or IAM responses, caching by identity for the TTL), builds the 2.0
event, invokes the function in the runtime and maps its result back (status, headers, cookies,
base64). CORS preflights are answered here when the API has a CorsConfiguration, as API Gateway
does. Requests under `/_local` go to `cloud.console_app` when the console is mounted. Before
any of that, a request whose Host is not loopback (or allowed) gets 421: DNS rebinding.

Where the gateway itself answers, the bodies are API Gateway's (`{"message": "Forbidden"}`),
except for an unknown route and an oversized body: real API Gateway says `{"message":"Not
Found"}` / `{"message":"Request Entity Too Large"}`, the local cloud answers RFC 9457
problem+json so a client sees the same error shape as from Plaza's own handlers.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import fnmatch
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_plus

from localcloud import allowed_hosts, app_pages
from localcloud.runtime import FunctionError, FunctionTimeout
from localcloud.template.account import ACCOUNT_ID, REGION
from localcloud.template.stack import Authorizer, Cors, HttpApiSpec, HttpRoute
from plaza import errors

if TYPE_CHECKING:
    import uvicorn

    from localcloud.cloud import LocalCloud

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
INTEGRATION_TIMEOUT = 29.0  # API Gateway's longest integration timeout
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/graphql", "application/x-yaml", "application/yaml")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_JSON = b"application/json"


# ---------------------------------------------------------------- routing

@dataclass
class _Route:
    api: HttpApiSpec
    spec: HttpRoute
    route_key: str
    pattern: re.Pattern[str] | None = None
    names: tuple[str, ...] = ()
    rank: tuple[Any, ...] = ()


@dataclass
class RouteTable:
    """API Gateway's precedence: a full match, then path variables (greedy last), `$default`."""

    exact: dict[str, dict[str, _Route]] = field(default_factory=dict)  # path -> method -> route
    variable: list[_Route] = field(default_factory=list)
    default: _Route | None = None
    apis: list[HttpApiSpec] = field(default_factory=list)

    @classmethod
    def build(cls, apis: list[HttpApiSpec]) -> RouteTable:
        table = cls(apis=list(apis))
        for api in apis:
            for spec in api.routes:
                route = _Route(api, spec, spec.route_key)
                if spec.path == "$default":
                    table.default = table.default or route
                elif "{" not in spec.path:
                    table.exact.setdefault(spec.path, {}).setdefault(spec.method, route)
                else:
                    table.variable.append(_compile(route))
        table.variable.sort(key=lambda route: route.rank)
        return table

    def match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str] | None]:
        route, parameters = self._match(method, path)
        if route is self.default and len(path) > 1 and path.endswith("/"):
            # An HTTP API route cannot end in "/" (SAM trims it), and API Gateway routes `/x/`
            # as `/x` (e.g. the back office's GET /v1/admin answers /v1/admin/ too).
            trimmed, trimmed_parameters = self._match(method, path.rstrip("/") or "/")
            if trimmed is not None and trimmed is not self.default:
                return trimmed, trimmed_parameters
        return route, parameters

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str] | None]:
        methods = self.exact.get(path)
        if methods is not None:
            route = methods.get(method) or methods.get("ANY")
            if route is not None:
                return route, None
        for route in self.variable:
            if route.spec.method != method and route.spec.method != "ANY":
                continue
            assert route.pattern is not None
            found = route.pattern.fullmatch(path)
            if found is not None:
                return route, {name: unquote(value)
                               for name, value in zip(route.names, found.groups(), strict=True)}
        return self.default, None


def _compile(route: _Route) -> _Route:
    parts: list[str] = []
    names: list[str] = []
    shape: list[int] = []
    greedy = False
    for segment in route.spec.path.strip("/").split("/"):
        variable = re.fullmatch(r"\{([^}+]+)(\+?)\}", segment)
        if variable is None:
            parts.append(re.escape(segment))
            shape.append(0)
        elif variable.group(2):
            parts.append("(.+)")
            names.append(variable.group(1))
            greedy = True
            shape.append(2)
        else:
            parts.append("([^/]+)")
            names.append(variable.group(1))
            shape.append(1)
    route.pattern = re.compile("/" + "/".join(parts))
    route.names = tuple(names)
    # Literal segments beat variables left to right; a specific method beats ANY.
    route.rank = (greedy, tuple(shape), route.spec.method == "ANY")
    return route


# ---------------------------------------------------------------- authorizers

class _Denied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _policy_allows(policy: Any, route_arn: str) -> bool:
    statements = (policy or {}).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        resources = statement.get("Resource") or []
        if isinstance(resources, str):
            resources = [resources]
        if not any(fnmatch.fnmatchcase(route_arn, pattern) for pattern in resources):
            continue
        if str(statement.get("Effect", "")).lower() == "deny":
            return False
        allowed = allowed or str(statement.get("Effect", "")).lower() == "allow"
    return allowed


# ---------------------------------------------------------------- the ASGI app

class HttpApi:
    """Component: serves every HTTP API of the stack on `cloud.http_port`."""

    name = "http-api"

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.routes = RouteTable.build(list(cloud.stack.http_apis.values()))
        # The pages the outbox's verify and reset links open (APP_BASE_URL, set by the cloud).
        self.app_pages = app_pages.AppPages(cloud.endpoints.http_url)
        # (authorizer name, identity values) -> (expires at, context, policy or None)
        self.authorizer_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any], Any]] = {}
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            self, host=self.cloud.config.host, port=self.cloud.http_port, loop="asyncio",
            http="httptools", lifespan="off", log_level="warning", access_log=False,
            server_header=False,
            # API Gateway takes sourceIp from the peer, never from a client's X-Forwarded-For;
            # uvicorn's proxy middleware would also be one more layer on every request.
            proxy_headers=False,
        )
        self.server = uvicorn.Server(config)
        # The cloud owns signals; uvicorn's handlers would swallow Ctrl-C.
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
                raise RuntimeError(f"the HTTP API did not start on port {self.cloud.http_port}")
            await asyncio.sleep(0.005)
        self.cloud.status["routes"] = self.route_listing

    async def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self.task, 5)
        self.task = None

    def route_listing(self) -> list[dict[str, Any]]:
        rows = []
        for api in self.routes.apis:
            for route in api.routes:
                rows.append({"api": api.logical_id, "route": route.route_key,
                             "function": route.function, "authorizer": route.authorizer})
        return rows

    # ------------------------------------------------------------ requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.cloud.allowed_hosts.allows_headers(scope["headers"]):
            await allowed_hosts.refuse(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(app_pages.PREFIX + "/") and scope["type"] == "http":
            await self.app_pages(scope, receive, send)
            return
        if path.startswith("/_local") and path[7:8] in ("", "/"):
            console = getattr(self.cloud, "console_app", None)
            if console is not None:
                await console(scope, receive, send)
                return
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        runtime = self.cloud.runtime
        assert runtime is not None
        with runtime.requests.request(f"{scope['method']} {scope['path']}") as line:
            send = runtime.requests.noting_status(line, send)
            try:
                await self._serve(scope, receive, send)
            except _Denied as denied:
                await _respond(send, denied.status, {"message": denied.message})

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = base64.b64encode(os.urandom(10)).decode()
        method: str = scope["method"]
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value

        cors = self._cors(path)
        origin = headers.get("origin")
        if cors is not None and method == "OPTIONS" and origin \
                and "access-control-request-method" in headers:
            await _preflight(send, cors, origin, request_id)
            return

        route, path_parameters = self.routes.match(method, path)
        if route is None:
            await _problem(send, errors.NotFound(f"No route matches {method} {path}"), path,
                           request_id, cors, origin)
            return

        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            await _problem(send, _too_large(), path, request_id, cors, origin)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _problem(send, _too_large(), path, request_id, cors, origin)
                return
            if not message.get("more_body"):
                break

        event = self._event(scope, route, method, path, headers, path_parameters, body,
                            request_id)
        if route.spec.authorizer:
            authorizer = route.api.authorizers.get(route.spec.authorizer)
            try:
                if authorizer is None:
                    raise _Denied(500, "Internal Server Error")
                event["requestContext"]["authorizer"] = {
                    "lambda": await self._authorize(authorizer, event, route)}
            except _Denied as denied:
                # With the CORS headers, so a browser app can read its 401 and refresh a token.
                await _respond(send, denied.status, {"message": denied.message}, request_id, cors,
                               origin)
                return

        runtime = self.cloud.runtime
        assert runtime is not None
        spec = runtime.spec(route.spec.function)
        gateway_timeout = min(route.spec.timeout, INTEGRATION_TIMEOUT)
        try:
            result = await runtime.invoke(spec.logical_id, event, source="http",
                                          timeout=min(gateway_timeout, spec.timeout))
        except FunctionTimeout:
            if spec.timeout < gateway_timeout:
                # Lambda's own timeout ends the invocation with an error before the gateway's.
                await _respond(send, 500, {"message": "Internal Server Error"}, request_id, cors,
                               origin)
            else:
                await _respond(send, 503, {"message": "Service Unavailable"}, request_id, cors,
                               origin)
            return
        except FunctionError:
            await _respond(send, 500, {"message": "Internal Server Error"}, request_id, cors,
                           origin)
            return
        try:
            status, response_headers, payload = _map_result(result)
        except (TypeError, ValueError, binascii.Error):
            await _respond(send, 500, {"message": "Internal Server Error"}, request_id, cors,
                           origin)
            return
        if cors is not None:
            response_headers = [(k, v) for k, v in response_headers
                                if not k.startswith(b"access-control-")]
            response_headers.extend(_cors_headers(cors, origin))
        response_headers.append((b"apigw-requestid", request_id.encode()))
        response_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    def _cors(self, path: str) -> Cors | None:
        apis = self.routes.apis
        if len(apis) == 1:
            return apis[0].cors
        route, _ = self.routes.match("ANY", path)
        return route.api.cors if route else next((a.cors for a in apis if a.cors), None)

    def _event(self, scope: Scope, route: _Route, method: str, path: str,
               headers: dict[str, str], path_parameters: dict[str, str] | None, body: bytes,
               request_id: str) -> dict[str, Any]:
        now = time.time()
        client = scope.get("client") or ("127.0.0.1", 0)
        server = scope.get("server") or ("127.0.0.1", self.cloud.http_port)
        domain = headers.get("host") or f"{server[0]}:{server[1]}"
        # API Gateway moves cookies out of the headers and adds the forwarding headers.
        cookie = headers.pop("cookie", None)
        headers.setdefault("x-forwarded-for", client[0])
        headers.setdefault("x-forwarded-port", str(server[1]))
        headers.setdefault("x-forwarded-proto", scope.get("scheme", "http"))
        api_id = route.api.logical_id.lower()
        gm = time.gmtime(now)
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": path,
            "rawQueryString": scope["query_string"].decode("latin-1"),
            "headers": headers,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": api_id,
                "domainName": domain,
                "domainPrefix": domain.split(".", 1)[0].split(":", 1)[0],
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": f"HTTP/{scope.get('http_version', '1.1')}",
                    "sourceIp": client[0],
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": request_id,
                "routeKey": route.route_key,
                "stage": "$default",
                "time": f"{gm.tm_mday:02d}/{_MONTHS[gm.tm_mon - 1]}/{gm.tm_year}:"
                        f"{gm.tm_hour:02d}:{gm.tm_min:02d}:{gm.tm_sec:02d} +0000",
                "timeEpoch": int(now * 1000),
            },
            "isBase64Encoded": False,
        }
        if cookie:
            event["cookies"] = [item.strip() for item in cookie.split(";") if item.strip()]
        if event["rawQueryString"]:
            event["queryStringParameters"] = _query_parameters(event["rawQueryString"])
        if path_parameters:
            event["pathParameters"] = path_parameters
        if body:
            if _is_text(headers.get("content-type")):
                try:
                    event["body"] = body.decode()
                except UnicodeDecodeError:
                    event["body"] = base64.b64encode(body).decode()
                    event["isBase64Encoded"] = True
            else:
                event["body"] = base64.b64encode(body).decode()
                event["isBase64Encoded"] = True
        return event

    async def _authorize(self, authorizer: Authorizer, event: dict[str, Any],
                         route: _Route) -> dict[str, Any]:
        route_arn = (f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:"
                     f"{event['requestContext']['apiId']}/$default/"
                     f"{event['requestContext']['http']['method']}{event['rawPath']}")
        identity: list[str] = []
        for header in authorizer.identity_headers:
            value = event["headers"].get(header)
            if header == "cookie" and event.get("cookies"):
                value = "; ".join(event["cookies"])
            if not value:
                raise _Denied(401, "Unauthorized")
            identity.append(value)
        query = event.get("queryStringParameters") or {}
        for name in authorizer.identity_query:
            if not query.get(name):
                raise _Denied(401, "Unauthorized")
            identity.append(query[name])

        cache_key = (authorizer.name, *identity)
        cacheable = authorizer.ttl > 0 and bool(identity)
        cached = self.authorizer_cache.get(cache_key) if cacheable else None
        if cached is not None and cached[0] > time.monotonic():
            _, context, policy = cached
        else:
            context, policy = await self._invoke_authorizer(authorizer, event, route, route_arn,
                                                            identity)
            if cacheable:
                self.authorizer_cache[cache_key] = (time.monotonic() + authorizer.ttl, context,
                                                    policy)
        if policy is False or (policy not in (True, None) and not _policy_allows(policy,
                                                                                  route_arn)):
            raise _Denied(403, "Forbidden")
        return context

    async def _invoke_authorizer(self, authorizer: Authorizer, event: dict[str, Any],
                                 route: _Route, route_arn: str,
                                 identity: list[str]) -> tuple[dict[str, Any], Any]:
        """(context, True/False for a simple response or the IAM policy document)."""
        request = {key: value for key, value in event.items()
                   if key not in ("body", "isBase64Encoded")}
        request.update(type="REQUEST", routeArn=route_arn, identitySource=identity)
        runtime = self.cloud.runtime
        assert runtime is not None
        try:
            result = await runtime.invoke(authorizer.function, request, source="authorizer")
        except FunctionError:
            raise _Denied(500, "Internal Server Error") from None
        if not isinstance(result, dict):
            raise _Denied(500, "Internal Server Error")
        context = result.get("context") or {}
        if authorizer.simple_responses and "isAuthorized" in result:
            return context, bool(result["isAuthorized"])
        if "policyDocument" in result:
            return context, result["policyDocument"]
        raise _Denied(500, "Internal Server Error")


# ---------------------------------------------------------------- event and response pieces

def _query_parameters(raw: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in raw.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        key, value = unquote_plus(key), unquote_plus(value)
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_TEXT_TYPES) or media.endswith(("+json", "+xml"))


def _map_result(result: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Payload 2.0 response rules: a dict with statusCode is a response, anything else JSON."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200, [(b"content-type", _JSON)], json.dumps(result).encode()
    status = int(result["statusCode"])
    headers: list[tuple[bytes, bytes]] = []
    has_type = False
    for name, value in (result.get("headers") or {}).items():
        lowered = str(name).lower()
        has_type = has_type or lowered == "content-type"
        headers.append((lowered.encode(), str(value).encode()))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        lowered = str(name).lower()
        has_type = has_type or lowered == "content-type"
        for value in values if isinstance(values, list) else [values]:
            headers.append((lowered.encode(), str(value).encode()))
    for cookie in result.get("cookies") or []:
        headers.append((b"set-cookie", str(cookie).encode()))
    body = result.get("body")
    if body is None:
        payload = b""
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(body, validate=True)
    else:
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
    if not has_type and payload:
        headers.append((b"content-type", _JSON))
    return status, headers, payload


def _origin_allowed(cors: Cors, origin: str) -> str | None:
    for allowed in cors.allow_origins:
        if allowed == "*":
            return origin if cors.allow_credentials else "*"
        if allowed == origin or ("*" in allowed and fnmatch.fnmatchcase(origin, allowed)):
            return origin
    return None


def _cors_headers(cors: Cors, origin: str | None) -> list[tuple[bytes, bytes]]:
    allowed = _origin_allowed(cors, origin) if origin else None
    if allowed is None:
        return []
    headers = [(b"access-control-allow-origin", allowed.encode())]
    if allowed != "*":
        headers.append((b"vary", b"Origin"))
    if cors.allow_credentials:
        headers.append((b"access-control-allow-credentials", b"true"))
    if cors.expose_headers:
        headers.append((b"access-control-expose-headers", ",".join(cors.expose_headers).encode()))
    return headers


async def _preflight(send: Send, cors: Cors, origin: str, request_id: str) -> None:
    headers = [(b"apigw-requestid", request_id.encode()), (b"content-length", b"0")]
    allowed = _origin_allowed(cors, origin)
    if allowed is not None:
        headers += _cors_headers(cors, origin)
        if cors.allow_methods:
            headers.append((b"access-control-allow-methods", ",".join(cors.allow_methods).encode()))
        if cors.allow_headers:
            headers.append((b"access-control-allow-headers", ",".join(cors.allow_headers).encode()))
        if cors.max_age is not None:
            headers.append((b"access-control-max-age", str(cors.max_age).encode()))
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _too_large() -> errors.PlazaError:
    return errors.PayloadTooLarge(f"The request body is larger than {MAX_BODY} bytes")


async def _problem(send: Send, error: errors.PlazaError, path: str, request_id: str,
                   cors: Cors | None, origin: str | None) -> None:
    body = json.dumps(error.problem(instance=path, request_id=request_id)).encode()
    headers = [(b"content-type", b"application/problem+json"),
               (b"content-length", str(len(body)).encode()),
               (b"apigw-requestid", request_id.encode())]
    if error.status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is not read
    if cors is not None:
        headers.extend(_cors_headers(cors, origin))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _respond(send: Send, status: int, message: dict[str, Any], request_id: str = "",
                   cors: Cors | None = None, origin: str | None = None) -> None:
    body = json.dumps(message).encode()
    headers = [(b"content-type", _JSON), (b"content-length", str(len(body)).encode())]
    if request_id:
        headers.append((b"apigw-requestid", request_id.encode()))
    if cors is not None:
        headers.extend(_cors_headers(cors, origin))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
