"""Upstash's REST protocol in front of the real Redis, so upstash-redis is tested end to end.

Implements what https://upstash.com/docs/redis/features/restapi documents and the client uses:
POST / with one command as a JSON array, POST /pipeline and POST /multi-exec with an array of
them, `Authorization: Bearer <token>` (401 otherwise) and `Upstash-Encoding: base64`, under which
every string in a result is base64 except the "OK" status reply.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import redis
from redis.exceptions import ResponseError


class UpstashEndpoint:
    """A ThreadingHTTPServer on a free loopback port, relaying commands to `redis_url`."""

    def __init__(self, redis_url: str, token: str = "test-token") -> None:  # noqa: S107
        self.token = token
        # Raw RESP2 replies (scores as strings, like Upstash): no callbacks, no decoding.
        self.redis = redis.Redis.from_url(redis_url, decode_responses=False, protocol=2)
        self.redis.response_callbacks.clear()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> UpstashEndpoint:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.redis.close()

    def run(self, path: str, body: Any) -> tuple[int, Any]:
        """(HTTP status, JSON reply) for one request body, as Upstash answers it."""
        if path == "/":
            if not _is_command(body):
                return 400, {"error": "ERR failed to parse command"}
            try:
                return 200, {"result": self.redis.execute_command(*body)}
            except ResponseError as error:
                return 400, {"error": _message(error)}
        if path in ("/pipeline", "/multi-exec"):
            if not isinstance(body, list) or not all(_is_command(c) for c in body):
                return 400, {"error": "ERR failed to parse pipeline request"}
            pipe = self.redis.pipeline(transaction=path == "/multi-exec")
            for command in body:
                pipe.execute_command(*command)
            try:
                replies = pipe.execute(raise_on_error=False)
            except ResponseError as error:  # a transaction discarded as a whole
                return 400, {"error": _message(error)}
            return 200, [
                {"error": _message(r)} if isinstance(r, ResponseError) else {"result": r}
                for r in replies
            ]
        return 404, {"error": "not found"}


def _is_command(value: Any) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(a, str | int | float) for a in value))


def _message(error: ResponseError) -> str:
    text = str(error)
    # redis-py strips the generic "ERR " prefix; Upstash relays Redis' message whole.
    return text if text.split(" ", 1)[0].isupper() else f"ERR {text}"


def _encode(value: Any, base64_strings: bool) -> Any:
    if isinstance(value, bytes):
        if base64_strings and value != b"OK":
            return base64.b64encode(value).decode()
        return value.decode(errors="replace")
    if isinstance(value, list | tuple):
        return [_encode(item, base64_strings) for item in value]
    if isinstance(value, dict):
        return [_encode(item, base64_strings) for pair in value.items() for item in pair]
    return value


def _encode_reply(reply: Any, base64_strings: bool) -> Any:
    if isinstance(reply, dict):
        return {key: (_encode(value, base64_strings) if key == "result" else value)
                for key, value in reply.items()}
    return [_encode_reply(item, base64_strings) for item in reply]


def _handler_for(endpoint: UpstashEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Authorization") != f"Bearer {endpoint.token}":
                self._reply(401, {"error": "Unauthorized"})
                return
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                self._reply(400, {"error": "ERR failed to parse command"})
                return
            endpoint.requests.append({"path": self.path, "body": body,
                                      "headers": dict(self.headers.items())})
            status, reply = endpoint.run(self.path.split("?", 1)[0], body)
            encoding = self.headers.get("Upstash-Encoding", "").lower() == "base64"
            self._reply(status, _encode_reply(reply, encoding))

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return None

    return Handler
