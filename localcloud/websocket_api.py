"""The stack's WebSocket APIs and their @connections management API, on one port.

Clients connect to `ws://host:port/<stage>` (or `/`); the same port answers the management API
(`POST/GET/DELETE [/<stage>]/@connections/{id}`) that handlers reach through boto3's
`apigatewaymanagementapi` client. Events, ids and the replies the gateway makes itself follow
API Gateway's WebSocket API, and so do its limits: a message over 128 KB closes the connection
with 1009, a connection idle for 10 minutes or open for 2 hours is closed with 1001. A handshake
or management call whose Host is not loopback (or allowed) gets 421: DNS rebinding.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from localcloud import allowed_hosts, request_log
from localcloud.http_api import _policy_allows
from localcloud.runtime import FunctionError
from localcloud.template.account import ACCOUNT_ID, REGION
from localcloud.template.stack import Authorizer, WebSocketApiSpec, WebSocketRoute

if TYPE_CHECKING:
    import uvicorn

    from localcloud.cloud import LocalCloud

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_MESSAGE_BYTES = 128 * 1024
IDLE_TIMEOUT = 600.0
MAX_LIFETIME = 2 * 3600.0
GOING_AWAY = 1001
_CONNECTIONS = "/@connections/"
_CONNECTIONS_BYTES = _CONNECTIONS.encode()
# API Gateway's ids are base64 without '+' or '/', which keeps them safe in @connections URLs.
_URL_SAFE = str.maketrans("+/", "Ab")
_JSON = [(b"content-type", b"application/json")]


def _gateway_id() -> str:
    """An id shaped like API Gateway's connection and request ids ("L0SM9cOFvHcCIhw=")."""
    return base64.b64encode(os.urandom(11)).decode().translate(_URL_SAFE)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def _request_time(epoch: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


def _body_path(expression: str) -> list[str] | None:
    """`$request.body.action` or `${request.body.action}` -> ["action"]; None if not the body."""
    text = expression.strip()
    if text.startswith("${") and text.endswith("}"):
        text = "$" + text[2:-1]
    if not text.startswith("$request.body."):
        return None
    return text[len("$request.body."):].split(".")


@dataclass(eq=False)
class Connection:
    id: str
    api: WebSocketApiSpec
    send: Send
    context: dict[str, Any]  # the requestContext fields every event of this connection shares
    connected_at: float
    last_active: float
    source_ip: str
    user_agent: str
    host: str
    principal_id: str | None = None
    close_code: int | None = None  # set when the gateway closes the connection itself
    close_reason: str = ""


class _Rejected(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class WebSocketApi:
    """Component: serves every WebSocket API of the stack on `cloud.websocket_port`.

    The limits are attributes so tests can shrink them on a running cloud.
    """

    name = "websocket-api"

    def __init__(self, cloud: LocalCloud, *, max_message_bytes: int = MAX_MESSAGE_BYTES,
                 idle_timeout: float = IDLE_TIMEOUT, max_lifetime: float = MAX_LIFETIME) -> None:
        self.cloud = cloud
        self.max_message_bytes = max_message_bytes
        self.idle_timeout = idle_timeout
        self.max_lifetime = max_lifetime
        self.apis = list(cloud.stack.websocket_apis.values())
        self.selectors = {api.logical_id: _body_path(api.route_selection) for api in self.apis}
        self.connections: dict[str, Connection] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.server: uvicorn.Server | None = None
        self.serving: asyncio.Task[None] | None = None
        self.sweeper: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        import uvicorn

        request_log.hide_refused_upgrade_errors()
        config = uvicorn.Config(
            self, host=self.cloud.config.host, port=self.cloud.websocket_port, loop="asyncio",
            http=_gateway_protocol(self), ws="websockets-sansio", ws_max_size=self.max_message_bytes,
            # API Gateway neither pings clients nor negotiates compression.
            ws_ping_interval=None, ws_per_message_deflate=False,
            lifespan="off", log_level="warning", access_log=False, server_header=False,
            proxy_headers=False,  # the peer is the source IP, as API Gateway has it
            timeout_graceful_shutdown=3,
        )
        self.server = uvicorn.Server(config)
        # The cloud owns the signals; uvicorn would take Ctrl-C for itself.
        self.server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
        self.serving = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.serving.done():
                self.serving.result()
                raise RuntimeError(
                    f"the WebSocket API did not start on port {self.cloud.websocket_port}")
            await asyncio.sleep(0.005)
        self.sweeper = asyncio.create_task(self._sweep())
        self.cloud.status["connections"] = self.connection_listing

    async def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
        if self.server is not None:
            self.server.should_exit = True
        if self.serving is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self.serving, 5)
        # Let the $disconnect invocations of the connections just closed finish.
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=5)
        for task in list(self.tasks):
            task.cancel()
        self.serving = None

    def connection_listing(self) -> list[dict[str, Any]]:
        return [{"id": c.id, "api": c.api.logical_id, "connected_at": c.connected_at,
                 "source_ip": c.source_ip, "user_agent": c.user_agent,
                 "last_active_at": c.last_active, "principal_id": c.principal_id}
                for c in list(self.connections.values())]

    async def _sweep(self) -> None:
        """Close connections past the idle timeout or the maximum lifetime."""
        while True:
            await asyncio.sleep(min(1.0, max(0.01, min(self.idle_timeout, self.max_lifetime) / 10)))
            now = time.time()
            for conn in list(self.connections.values()):
                if now - conn.connected_at >= self.max_lifetime:
                    await self.close(conn, GOING_AWAY, "Connection lifetime exceeded")
                elif now - conn.last_active >= self.idle_timeout:
                    await self.close(conn, GOING_AWAY, "Going away")

    async def close(self, conn: Connection, code: int, reason: str) -> bool:
        """Close a connection from the gateway's side; False if it was already gone."""
        if self.connections.pop(conn.id, None) is None:
            return False
        conn.close_code, conn.close_reason = code, reason
        with contextlib.suppress(Exception):
            await conn.send({"type": "websocket.close", "code": code, "reason": reason})
        return True

    @property
    def _requests(self) -> request_log.RequestLog:
        runtime = self.cloud.runtime
        assert runtime is not None
        return runtime.requests

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.cloud.allowed_hosts.allows_headers(scope["headers"]):
            await allowed_hosts.refuse(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._client(scope, receive, send)
        elif scope["type"] == "http":
            await self._management(scope, receive, send)

    def _api_for(self, path: str) -> WebSocketApiSpec | None:
        stage = path.strip("/")
        if not stage:
            return self.apis[0] if self.apis else None
        return next((api for api in self.apis if api.stage == stage), None)

    # ------------------------------------------------------------ clients

    async def _client(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        api = self._api_for(scope["path"])
        if api is None:
            await _reject(scope, send, 403, {"message": "Forbidden"})
            return
        now = time.time()
        raw_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        headers = {k.lower(): v for k, v in raw_headers}
        client = scope.get("client") or ("127.0.0.1", 0)
        server = scope.get("server") or (self.cloud.config.host, self.cloud.websocket_port)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        conn = Connection(
            id=_gateway_id(), api=api, send=send, connected_at=now, last_active=now,
            source_ip=client[0], user_agent=headers.get("user-agent", ""), host=host, context={},
        )
        conn.context = {
            "stage": api.stage, "connectedAt": int(now * 1000), "domainName": host,
            "apiId": api.logical_id.lower(), "connectionId": conn.id, "messageDirection": "IN",
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
        }
        request = _handshake_request(raw_headers, scope.get("query_string", b""), client, server)
        with self._requests.request("WS $connect") as line:
            try:
                subprotocol = await self._connect(conn, api.routes.get("$connect"), request)
                line.status = 101
            except _Rejected as rejected:
                line.status = rejected.status
                self.cloud.recorder.record("connection", {
                    "event": "rejected", "connection_id": conn.id, "api": api.logical_id,
                    "route": "$connect", "status": rejected.status, "source_ip": conn.source_ip})
                await _reject(scope, send, rejected.status, rejected.body)
                return
        accept: dict[str, Any] = {"type": "websocket.accept"}
        if subprotocol:
            accept["subprotocol"] = subprotocol
        await send(accept)
        self.connections[conn.id] = conn
        self.cloud.recorder.record("connection", {
            "event": "connect", "connection_id": conn.id, "api": api.logical_id,
            "route": "$connect", "source_ip": conn.source_ip, "principal_id": conn.principal_id})
        code, reason = 1005, ""
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.receive":
                    await self._message(conn, message)
                elif message["type"] == "websocket.disconnect":
                    code, reason = message.get("code", 1005), message.get("reason") or ""
                    break
        finally:
            self._disconnected(conn, code, reason)

    async def _connect(self, conn: Connection, route: WebSocketRoute | None,
                       request: dict[str, Any]) -> str | None:
        """Run $connect's authorizer and integration; the subprotocol to accept, or _Rejected."""
        if route is None:
            return None
        context = self._request_context(conn, "$connect", "CONNECT")
        if route.authorizer is not None:
            authorized = await self._authorize(route.authorizer, conn, request, context)
            conn.context["authorizer"] = authorized
            conn.principal_id = authorized.get("principalId")
            context["authorizer"] = authorized
        if route.function is None:
            return None
        runtime = self.cloud.runtime
        assert runtime is not None
        try:
            result = await runtime.invoke(route.function, {**request, "requestContext": context},
                                          source="websocket")
        except FunctionError:
            raise _Rejected(500, {"message": "Internal server error"}) from None
        if not isinstance(result, dict):
            return None
        status = int(result.get("statusCode") or 200)
        if not 200 <= status < 300:
            raise _Rejected(status, result.get("body") or {"message": "Forbidden"})
        # Clients asking for a subprotocol get it only if $connect answers with one, as on AWS.
        answered = {str(k).lower(): v for k, v in (result.get("headers") or {}).items()}
        protocol = answered.get("sec-websocket-protocol")
        return str(protocol) if protocol else None

    async def _authorize(self, authorizer: Authorizer, conn: Connection,
                         request: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        query = request.get("queryStringParameters") or {}
        # A missing identity source is refused without calling the authorizer.
        if any(not headers.get(name) for name in authorizer.identity_headers) or any(
                not query.get(name) for name in authorizer.identity_query):
            raise _Rejected(401, {"message": "Unauthorized"})
        method_arn = (f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{context['apiId']}/"
                      f"{context['stage']}/$connect")
        event = {"type": "REQUEST", "methodArn": method_arn, **request, "stageVariables": {},
                 "requestContext": context}
        runtime = self.cloud.runtime
        assert runtime is not None
        started = time.perf_counter()
        try:
            result = await runtime.invoke(authorizer.function, event, source="authorizer")
        except FunctionError as error:
            # `raise Exception("Unauthorized")` is how a Lambda authorizer answers 401.
            if error.message == "Unauthorized":
                raise _Rejected(401, {"message": "Unauthorized"}) from None
            raise _Rejected(500, {"message": "Internal server error"}) from None
        if not isinstance(result, dict) or "policyDocument" not in result:
            raise _Rejected(500, {"message": "Internal server error"})
        if not _policy_allows(result["policyDocument"], method_arn):
            raise _Rejected(403, {"message": "Forbidden"})
        return {**(result.get("context") or {}), "principalId": result.get("principalId"),
                "integrationLatency": int((time.perf_counter() - started) * 1000)}

    def _request_context(self, conn: Connection, route_key: str, event_type: str,
                         **extra: Any) -> dict[str, Any]:
        now = time.time()
        request_id = _gateway_id()
        return {**conn.context, "routeKey": route_key, "eventType": event_type,
                "requestId": request_id, "extendedRequestId": request_id,
                "requestTime": _request_time(now), "requestTimeEpoch": int(now * 1000), **extra}

    async def _message(self, conn: Connection, message: dict[str, Any]) -> None:
        text = message.get("text")
        if text is not None:
            size = len(text.encode())
            body, encoded = text, False
        else:
            data = message.get("bytes") or b""
            size = len(data)
            body, encoded = base64.b64encode(data).decode(), True
        if size > self.max_message_bytes:  # the protocol layer normally catches this first
            await self.close(conn, 1009, "Message too big")
            return
        conn.last_active = time.time()
        route_key = self._select_route(conn.api, text if text is not None else None)
        self.cloud.recorder.record("connection", {
            "event": "message", "direction": "in", "connection_id": conn.id,
            "route": route_key, "bytes": size})
        route = conn.api.routes.get(route_key)
        context = self._request_context(conn, route_key, "MESSAGE", messageId=_gateway_id())
        if route is None:
            # Without a $default route API Gateway answers the sender itself.
            await _push(conn, json.dumps({"message": "Forbidden", "connectionId": conn.id,
                                          "requestId": context["requestId"]}))
            return
        if route.function is None:
            return
        event = {"requestContext": context, "body": body, "isBase64Encoded": encoded}
        # Each message is its own invocation; the receive loop does not wait for it.
        task = asyncio.create_task(self._deliver(conn, route, event))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _select_route(self, api: WebSocketApiSpec, text: str | None) -> str:
        path = self.selectors.get(api.logical_id)
        if path is None or text is None:
            return "$default"
        try:
            value: Any = json.loads(text)
        except ValueError:
            return "$default"
        for part in path:
            if not isinstance(value, dict) or part not in value:
                return "$default"
            value = value[part]
        key = value if isinstance(value, str) else json.dumps(value)
        return key if key in api.routes and not key.startswith("$") else "$default"

    async def _deliver(self, conn: Connection, route: WebSocketRoute,
                       event: dict[str, Any]) -> None:
        runtime = self.cloud.runtime
        assert runtime is not None and route.function is not None
        failed = False
        with self._requests.request(f"WS {event['requestContext']['routeKey']}") as line:
            try:
                result = await runtime.invoke(route.function, event, source="websocket")
                line.status = int(result.get("statusCode") or 200) \
                    if isinstance(result, dict) else 200
            except FunctionError:
                line.status, failed = 500, True
        if failed:
            if conn.id in self.connections:
                await _push(conn, json.dumps({
                    "message": "Internal server error", "connectionId": conn.id,
                    "requestId": event["requestContext"]["requestId"]}))
            return
        if not route.two_way or conn.id not in self.connections:
            return
        reply = result
        if isinstance(result, dict) and "statusCode" in result:
            reply = result.get("body")
        if reply is not None:
            await _push(conn, reply if isinstance(reply, str) else json.dumps(reply))

    def _disconnected(self, conn: Connection, code: int, reason: str) -> None:
        self.connections.pop(conn.id, None)
        if conn.close_code is not None:
            code, reason = conn.close_code, conn.close_reason
        self.cloud.recorder.record("connection", {
            "event": "disconnect", "connection_id": conn.id, "api": conn.api.logical_id,
            "route": "$disconnect", "code": code, "reason": reason})
        route = conn.api.routes.get("$disconnect")
        if route is None or route.function is None:
            return
        forwarded = {"Host": conn.host, "X-Forwarded-For": conn.source_ip,
                     "X-Forwarded-Port": str(self.cloud.websocket_port),
                     "X-Forwarded-Proto": "http"}
        event = {
            "headers": forwarded,
            "multiValueHeaders": {k: [v] for k, v in forwarded.items()},
            "requestContext": self._request_context(conn, "$disconnect", "DISCONNECT",
                                                    disconnectStatusCode=code,
                                                    disconnectReason=reason),
            "isBase64Encoded": False,
        }
        task = asyncio.create_task(self._invoke_quietly(route.function, event))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _invoke_quietly(self, function: str, event: dict[str, Any]) -> None:
        # $disconnect is best effort on AWS too: nobody is left to hear of a failure.
        runtime = self.cloud.runtime
        assert runtime is not None
        with self._requests.request("WS $disconnect") as line, \
                contextlib.suppress(FunctionError):
            line.status = 500
            await runtime.invoke(function, event, source="websocket")
            line.status = 200

    # ------------------------------------------------------------ @connections

    async def _management(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        connection_id = _connection_id(path)
        if connection_id is None:
            await _respond(send, 404, {"message": "Not Found"})
            return
        method = scope["method"]
        conn = self.connections.get(connection_id)
        if method == "POST":
            await _send_answer(send, await self.post_to_connection(
                connection_id, await _read_body(receive, self.max_message_bytes)))
        elif method == "GET":
            if conn is None:
                await _gone(send, connection_id)
            else:
                await _respond(send, 200, {
                    "connectedAt": _iso(conn.connected_at),
                    "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
                    "lastActiveAt": _iso(conn.last_active)})
        elif method == "DELETE":
            if conn is None or not await self.close(conn, 1000, ""):
                await _gone(send, connection_id)
            else:
                await send({"type": "http.response.start", "status": 204, "headers": []})
                await send({"type": "http.response.body", "body": b""})
        else:
            await _respond(send, 403, {"message": "Missing Authentication Token"})

    async def post_to_connection(self, connection_id: str, data: bytes | None
                                 ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """PostToConnection (`data` None: over the size limit): status, headers and body."""
        if data is None:
            return _answer(413, {"message": "Message too long"}, "PayloadTooLargeException")
        conn = self.connections.get(connection_id)
        if conn is None or not await _push(conn, _frame(data)):
            return _answer(410, {"message": f"Connection {connection_id} is gone"},
                           "GoneException")
        self.cloud.recorder.record("connection", {
            "event": "message", "direction": "out", "connection_id": connection_id,
            "route": "@connections", "bytes": len(data)})
        return 200, [(b"content-length", b"0")], b""


def _gateway_protocol(gateway: WebSocketApi) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol, with @connections posts answered without the ASGI cycle.

    A broadcast is a thousand posts in a burst, and uvicorn's per-request machinery (a task,
    an event, the scope) cost more than posting the frame. A POST to @connections on a
    kept-alive connection is read here and answered by `post_to_connection`, the same method
    the ASGI path uses; anything else (other methods, upgrades, Expect: 100-continue, a Host
    that is not allowed) takes uvicorn's path. SDKs send one request at a time on a connection;
    answers to requests sent without waiting (pipelined) still go out in order among these posts.
    """
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    limit = gateway.max_message_bytes
    hosts = gateway.cloud.allowed_hosts

    class GatewayProtocol(HttpToolsProtocol):
        post_body: bytearray | None = None
        post_size = 0
        last_answer: asyncio.Task[None] | None = None

        def on_headers_complete(self) -> None:
            if (self.parser.get_method() == b"POST" and _CONNECTIONS_BYTES in self.url
                    and not self.expect_100_continue and not self.parser.should_upgrade()
                    and self.parser.should_keep_alive()
                    and (self.cycle is None or self.cycle.response_complete)
                    and hosts.allows_headers(self.headers)):
                self.post_body, self.post_size = bytearray(), 0
                return
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if self.post_body is None:
                super().on_body(body)
                return
            self.post_size += len(body)
            if self.post_size <= limit:
                self.post_body += body

        def on_message_complete(self) -> None:
            if self.post_body is None:
                super().on_message_complete()
                return
            data = bytes(self.post_body) if self.post_size <= limit else None
            self.post_body = None
            task = self.loop.create_task(self.answer_post(self.url, data, self.last_answer))
            self.last_answer = task
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        async def answer_post(self, url: bytes, data: bytes | None,
                              before: asyncio.Task[None] | None) -> None:
            connection_id = _connection_id(_unquoted(url.split(b"?", 1)[0]))
            if connection_id is None:
                status, headers, body = _answer(404, {"message": "Not Found"})
            else:
                status, headers, body = await gateway.post_to_connection(connection_id, data)
            if before is not None and not before.done():
                await before
            output = [STATUS_LINE[status]]
            for name, value in (*self.server_state.default_headers, *headers):
                output += [name, b": ", value, b"\r\n"]
            output += [b"\r\n", body]
            if not self.transport.is_closing():
                self.transport.write(b"".join(output))
                self.on_response_complete()

    return GatewayProtocol


_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")


def _unquoted(path: bytes) -> str:
    """The percent-decoded path (urllib's unquote, at a tenth of the cost for a short id)."""
    if b"%" in path:
        path = _PERCENT.sub(lambda match: bytes((int(match[1], 16),)), path)
    return path.decode("utf-8", "replace")


def _connection_id(path: str) -> str | None:
    """The id in `[/<stage>]/@connections/{id}`; None for any other path."""
    marker = path.find(_CONNECTIONS)
    connection_id = path[marker + len(_CONNECTIONS):] if marker >= 0 else ""
    if marker < 0 or path.count("/", 0, marker) > 1 or not connection_id or "/" in connection_id:
        return None
    return connection_id


def _answer(status: int, body: Any, error_type: str | None = None
            ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    data = json.dumps(body).encode()
    headers = [*_JSON, (b"content-length", str(len(data)).encode())]
    if error_type:
        # botocore reads the error code from this header (rest-json protocol).
        headers.append((b"x-amzn-errortype", error_type.encode()))
    return status, headers, data


# ---------------------------------------------------------------- wire pieces

def _handshake_request(raw_headers: list[tuple[str, str]], query_string: bytes,
                       client: tuple[str, int], server: tuple[str, int]) -> dict[str, Any]:
    """The REST-style (1.0) headers and query string parts of the $connect event."""
    multi_headers: dict[str, list[str]] = {}
    for name, value in raw_headers:
        # API Gateway keeps the client's header names; ASGI lower-cases them, so restore
        # the usual spelling (Host, Sec-Websocket-Key, ...).
        spelled = "-".join(part.capitalize() for part in name.split("-"))
        multi_headers.setdefault(spelled, []).append(value)
    multi_headers.setdefault("X-Forwarded-For", [client[0]])
    multi_headers.setdefault("X-Forwarded-Port", [str(server[1])])
    multi_headers.setdefault("X-Forwarded-Proto", ["http"])
    request: dict[str, Any] = {
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "isBase64Encoded": False,
    }
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    if multi_query:
        request["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
        request["multiValueQueryStringParameters"] = multi_query
    return request


def _frame(data: bytes) -> str | bytes:
    """Posted data goes out as a text frame when it is UTF-8, else as a binary frame."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


async def _push(conn: Connection, payload: str | bytes) -> bool:
    message = ({"type": "websocket.send", "text": payload} if isinstance(payload, str)
               else {"type": "websocket.send", "bytes": payload})
    try:
        await conn.send(message)
    except Exception:  # noqa: BLE001 - uvicorn raises several kinds once the peer is gone
        return False
    return True


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None past `limit` (the rest is still drained)."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        more = message.get("more_body", False)
    return None if size > limit else b"".join(chunks)


async def _respond(send: Send, status: int, body: Any, error_type: str | None = None) -> None:
    await _send_answer(send, _answer(status, body, error_type))


async def _send_answer(send: Send, answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
    status, headers, body = answer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _gone(send: Send, connection_id: str) -> None:
    await _respond(send, 410, {"message": f"Connection {connection_id} is gone"}, "GoneException")


async def _reject(scope: Scope, send: Send, status: int, body: Any) -> None:
    """Refuse the upgrade with an HTTP status, as API Gateway does for a failed $connect."""
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008})
        return
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    await send({"type": "websocket.http.response.start", "status": status, "headers": _JSON})
    await send({"type": "websocket.http.response.body", "body": data})
