"""The hand-written @connections client Plaza used until issue 11, kept only as the bench's
baseline row (`python -m bench realtime` times it against plaza.stores.realtime).

It builds and signs each request itself (SigV4 as botocore's SigV4Auth signs it) and speaks
HTTP/1.1 over its own kept-alive sockets, many posts in flight from one thread through a
selector. The product no longer carries it: the errors it raises and how it maps an answer to
one are plaza.stores.realtime's, so both clients fail the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from typing import Any
from urllib.parse import quote, urlsplit

from plaza.stores.realtime import (
    ATTEMPTS,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    SERVICE,
    ConnectionGone,
    _client_error,
    _endpoint_error,
    default_credentials,
    default_region,
)

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "plaza-realtime"


class _Transient(Exception):
    """A failure worth another attempt: a dropped kept-alive connection, throttling, a 5xx."""

    def __init__(self, error: Exception, *, at_once: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.at_once = at_once


class SignedRequest:
    """The request to send: method, URL, body and headers, Authorization included."""

    __slots__ = ("method", "url", "body", "headers")

    def __init__(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.headers = headers


_clock = time.time


class SigV4Signer:
    """AWS Signature Version 4 for one region and service, as botocore's SigV4Auth signs a
    request whose headers are Host and User-Agent (unsigned) with no query string."""

    def __init__(self, region: str, service: str = SERVICE) -> None:
        self.region = region
        self.service = service
        self._key: tuple[str, str, bytes] | None = None  # (secret key, day, signing key)

    def headers(self, method: str, path: str, host: str, body: bytes,
                credentials: Any) -> dict[str, str]:
        """X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization."""
        timestamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(_clock()))
        scope = f"{timestamp[:8]}/{self.region}/{self.service}/aws4_request"
        token = credentials.token
        headers = {"X-Amz-Date": timestamp}
        canonical_headers = f"host:{_trimmed(host)}\nx-amz-date:{timestamp}\n"
        signed_headers = "host;x-amz-date"
        if token:
            headers["X-Amz-Security-Token"] = token
            canonical_headers += f"x-amz-security-token:{_trimmed(token)}\n"
            signed_headers += ";x-amz-security-token"
        canonical_request = "\n".join((
            method, _canonical_path(path), "", canonical_headers, signed_headers,
            hashlib.sha256(body).hexdigest()))
        string_to_sign = (f"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n"
                          f"{hashlib.sha256(canonical_request.encode()).hexdigest()}")
        signature = hmac.digest(self._signing_key(credentials.secret_key, timestamp[:8]),
                                string_to_sign.encode(), "sha256").hex()
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
                                    f"SignedHeaders={signed_headers}, Signature={signature}")
        return headers

    def _signing_key(self, secret_key: str, day: str) -> bytes:
        cached = self._key
        if cached is not None and cached[0] == secret_key and cached[1] == day:
            return cached[2]
        key = f"AWS4{secret_key}".encode()
        for part in (day, self.region, self.service, "aws4_request"):
            key = hmac.digest(key, part.encode(), "sha256")
        self._key = (secret_key, day, key)
        return key


def _trimmed(value: str) -> str:
    # SigV4's Trimall: no leading or trailing spaces, inner runs of spaces made one.
    return " ".join(value.split())


def _canonical_path(path: str) -> str:
    """botocore's: dot segments and empty segments removed, then percent-encoded again (the
    path is already encoded, so "%3D" becomes "%253D")."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = ("/" if path.startswith("/") else "") + "/".join(segments)
    if path.endswith("/") and segments:
        normalized += "/"
    return quote(normalized or "/", safe="/~")


class ManagementApi:
    """The @connections API of one WebSocket stage."""

    def __init__(self, endpoint: str, region: str | None = None,
                 credentials: Any = None) -> None:
        parts = urlsplit(endpoint.rstrip("/"))
        self.scheme = parts.scheme
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.base_path = parts.path
        self.host = parts.hostname or ""
        self.port = parts.port
        # botocore signs the URL's host: lower case, without user info or a default port.
        self._host_header = f"[{self.host}]" if ":" in self.host else self.host
        if parts.port is not None and (parts.scheme, parts.port) not in (("https", 443),
                                                                         ("http", 80)):
            self._host_header += f":{parts.port}"
        # Resolved at once: this client is built only for the bench, never at a cold start.
        self._region = region or default_region(self.host)
        self._credentials = credentials or default_credentials()
        self._signer: SigV4Signer | None = None
        self._tls: Any = None
        self._local = threading.local()
        self._idle: list[KeptAliveConnection] = []  # post_to_connections' connections
        self._idle_lock = threading.Lock()

    # ------------------------------------------------------------ operations

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        self._call("POST", connection_id, data, "PostToConnection")

    def delete_connection(self, connection_id: str) -> None:
        self._call("DELETE", connection_id, b"", "DeleteConnection")

    def post_to_connections(self, posts: list[tuple[str, bytes]],
                            parallel: int) -> list[tuple[str, Exception]]:
        """Post each (connection id, data), up to `parallel` requests in flight over as many
        kept-alive connections, all from this thread; the posts that failed, each with what
        post_to_connection would have raised (ConnectionGone for a closed connection).

        One thread waiting on every socket at once: a thread per request in flight spent more
        CPU handing the GIL around than the requests cost. A post lost with a kept-alive
        connection is resent at once on a new one; one that failed otherwise, or whose answer
        asks for a retry (429, 5xx), is sent again by post_to_connection at the end, with its
        backoff.
        """
        import selectors

        failures: list[tuple[str, Exception]] = []
        again: list[tuple[str, bytes]] = []  # sent again by post_to_connection at the end
        at_once: list[tuple[str, bytes]] = []  # lost with a kept-alive connection: resent now
        waiting = iter(posts)
        in_flight: dict[KeptAliveConnection, tuple[str, bytes, bool]] = {}
        watched: dict[KeptAliveConnection, socket.socket] = {}
        selector = selectors.DefaultSelector()

        def unwatch(connection: KeptAliveConnection) -> None:
            sock = watched.pop(connection, None)
            if sock is not None:
                selector.unregister(sock)

        def lost(connection: KeptAliveConnection, post: tuple[str, bytes], reused: bool) -> None:
            unwatch(connection)
            connection.close()
            # A kept-alive connection the server has since closed: resend on a new one.
            (at_once if reused else again).append(post)

        def send_next(connection: KeptAliveConnection) -> None:
            while True:
                if at_once:
                    connection_id, data = at_once.pop()
                else:
                    post = next(waiting, None)
                    if post is None:
                        return
                    connection_id, data = post
                try:
                    request = self._request("POST", connection_id, data)
                except Exception as error:  # noqa: BLE001 - no credentials, say: this post fails
                    failures.append((connection_id, error))
                    continue
                reused = connection.sock is not None
                try:
                    if not reused:
                        self._open(connection)
                    connection.send(request)
                except OSError:
                    lost(connection, (connection_id, data), reused)
                    if reused:
                        continue
                    return  # this connection rests; the others carry on
                if watched.get(connection) is not connection.sock:
                    unwatch(connection)
                    assert connection.sock is not None
                    selector.register(connection.sock, selectors.EVENT_READ, connection)
                    watched[connection] = connection.sock
                in_flight[connection] = (connection_id, data, reused)
                return

        connections = self._lend(min(parallel, len(posts)))
        try:
            for connection in connections:
                send_next(connection)
            while in_flight:
                ready = selector.select(READ_TIMEOUT)
                if not ready:  # no answer in time: those posts are tried again, one by one
                    for connection, (connection_id, data, _) in list(in_flight.items()):
                        unwatch(connection)
                        connection.close()
                        again.append((connection_id, data))
                    in_flight.clear()
                    break
                for key, _ in ready:
                    connection = key.data
                    connection_id, data, reused = in_flight.pop(connection)
                    try:
                        status, error_type, body = connection.answer()
                    except OSError:
                        lost(connection, (connection_id, data), reused)
                    else:
                        error, transient = _outcome(status, error_type, body, connection_id,
                                                    "PostToConnection")
                        if transient:
                            again.append((connection_id, data))
                        elif error is not None:
                            failures.append((connection_id, error))
                    if connection.sock is None:
                        unwatch(connection)
                    send_next(connection)
        finally:
            for connection in list(watched):
                unwatch(connection)
            selector.close()
            self._give_back(connections)
        for connection_id, data in [*at_once, *again, *waiting]:
            try:
                self.post_to_connection(connection_id, data)
            except Exception as error:  # noqa: BLE001 - reported to the caller, post by post
                failures.append((connection_id, error))
        return failures

    # ------------------------------------------------------------ the request

    def signed_request(self, method: str, connection_id: str, data: bytes) -> SignedRequest:
        """The request boto3 would send for this call, signed as botocore signs it."""
        path = _path(connection_id)
        signer = self._signer
        if signer is None:
            signer = self._signer = SigV4Signer(self._region)
        headers = {"Host": self._host_header, "User-Agent": _USER_AGENT}
        headers.update(signer.headers(method, self.base_path + path, self._host_header, data,
                                      self._credentials.get_frozen_credentials()))
        return SignedRequest(method, self.base_url + path, data, headers)

    def _call(self, method: str, connection_id: str, data: bytes, operation: str) -> bytes:
        last: _Transient | None = None
        for attempt in range(ATTEMPTS):
            if last is not None and not last.at_once:
                time.sleep(0.05 * 2 ** (attempt - 1))
            try:
                return self._send(method, connection_id, data, operation)
            except _Transient as transient:
                last = transient
        assert last is not None
        raise last.error

    def _request(self, method: str, connection_id: str, data: bytes) -> bytes:
        """The signed request as it goes on the wire."""
        request = self.signed_request(method, connection_id, data)
        return _wire(method, self.base_path + _path(connection_id), request.headers, data)

    def _send(self, method: str, connection_id: str, data: bytes, operation: str) -> bytes:
        # Signed per attempt: the signature carries the time.
        request = self._request(method, connection_id, data)
        connection = self._connection()
        reused = connection.sock is not None
        try:
            if not reused:
                self._open(connection)
            connection.send(request)
            status, error_type, body = connection.answer()
        except OSError as failure:
            connection.close()
            # A kept-alive connection the server has since closed: reconnect without waiting.
            raise _Transient(_endpoint_error(self.base_url, failure), at_once=reused) from failure
        error, transient = _outcome(status, error_type, body, connection_id, operation)
        if error is None:
            return body
        if transient:
            raise _Transient(error)
        raise error

    def _connection(self) -> KeptAliveConnection:
        connection: KeptAliveConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            default_port = 443 if self.scheme == "https" else 80
            connection = KeptAliveConnection(self.host, self.port or default_port)
            self._local.connection = connection
        return connection

    def _lend(self, count: int) -> list[KeptAliveConnection]:
        """`count` connections for post_to_connections: kept-alive ones first."""
        with self._idle_lock:
            lent, self._idle = self._idle[:count], self._idle[count:]
        default_port = 443 if self.scheme == "https" else 80
        lent += [KeptAliveConnection(self.host, self.port or default_port)
                 for _ in range(count - len(lent))]
        return lent

    def _give_back(self, connections: list[KeptAliveConnection]) -> None:
        with self._idle_lock:
            self._idle.extend(connection for connection in connections if connection.sock)

    def _open(self, connection: KeptAliveConnection) -> None:
        if self.scheme == "https" and self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
        connection.open(self._tls if self.scheme == "https" else None)

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class KeptAliveConnection:
    """One HTTP/1.1 connection, kept open between requests.

    A request goes out in one send and its answer is read here (status line, headers, a
    Content-Length or chunked body): http.client sent the head and the body apart and parsed
    the headers with the email package, which together cost more than the signature.
    """

    __slots__ = ("host", "port", "sock", "buffer")

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = bytearray()

    def open(self, tls: Any = None) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls is not None:
                sock = tls.wrap_socket(sock, server_hostname=self.host)
            sock.settimeout(READ_TIMEOUT)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.buffer.clear()

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer.clear()

    def send(self, request: bytes) -> None:
        assert self.sock is not None
        self.sock.sendall(request)

    def answer(self) -> tuple[int, str | None, bytes]:
        """The answer to the request sent: status, x-amzn-errortype header and body."""
        try:
            while True:
                version, status, headers = self._head()
                if status >= 200:
                    break  # 1xx: an interim answer, the real one follows
            if "chunked" in headers.get("transfer-encoding", ""):
                body = self._chunked()
            elif "content-length" in headers:
                body = self._exactly(int(headers["content-length"]))
            elif status in (204, 304):
                body = b""
            else:  # delimited by the server closing the connection
                body = self._until_closed()
        except ValueError as malformed:  # a status, length or chunk size that is no number
            raise ConnectionError(f"malformed HTTP response: {malformed}") from malformed
        connection = headers.get("connection", "").lower()
        if connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive"):
            self.close()
        return status, headers.get("x-amzn-errortype"), body

    def _head(self) -> tuple[str, int, dict[str, str]]:
        end = self._find(b"\r\n\r\n")
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[:end + 4]
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/"):
            raise ConnectionError(f"not an HTTP response: {lines[0][:80]!r}")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return version, int(rest[:3]), headers

    def _chunked(self) -> bytes:
        body = bytearray()
        while True:
            end = self._find(b"\r\n")
            size = int(bytes(self.buffer[:end]).split(b";", 1)[0], 16)
            del self.buffer[:end + 2]
            if size == 0:
                while self._find(b"\r\n") != 0:  # trailers, up to the empty line
                    del self.buffer[:self._find(b"\r\n") + 2]
                del self.buffer[:2]
                return bytes(body)
            body += self._exactly(size)
            self._exactly(2)

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def _until_closed(self) -> bytes:
        assert self.sock is not None
        while chunk := self.sock.recv(65536):
            self.buffer += chunk
        data = bytes(self.buffer)
        self.close()
        return data

    def _find(self, marker: bytes) -> int:
        start = 0
        while (found := self.buffer.find(marker, start)) < 0:
            start = max(0, len(self.buffer) - len(marker) + 1)
            self._fill()
        return found

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += chunk


def _wire(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """The request as it goes on the wire: head and body in one buffer, so one send."""
    lines = [f"{method} {path} HTTP/1.1"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body if method == "POST" else b"")


def _path(connection_id: str) -> str:
    # botocore percent-encodes the id as a whole path segment ('/', '=' and '+' included).
    return f"/@connections/{quote(connection_id, safe='')}"


def _outcome(status: int, error_type: str | None, body: bytes, connection_id: str,
             operation: str) -> tuple[Exception | None, bool]:
    """What an answer means: (None, False) for success, else the error and whether a retry
    may help (throttling, a 5xx)."""
    if status < 300:
        return None, False
    if status == 410:
        return ConnectionGone(connection_id), False
    return _client_error(status, error_type, body, operation), status in _RETRY_STATUSES
