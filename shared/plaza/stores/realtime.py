"""Posting to WebSocket clients through API Gateway's @connections management API.

The endpoint comes from WEBSOCKET_MANAGEMENT_ENDPOINT (the stage URL over https); locally the
local cloud serves the same API, so handlers run unchanged.

Every call is one small request, so instead of a boto3 client (whose request pipeline costs
about a millisecond per call, more than the request itself) this module builds the request
boto3 would send, signs it as botocore's SigV4Auth does (tests compare the two byte for byte)
and sends it over a kept-alive connection: one per thread, opened on first use and kept for the
container's life. The signing key (four HMACs) is derived once a day; a request then costs one
hash of its body, one of the canonical request and one HMAC, a fifth of botocore's signer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import threading
import time
from typing import Any
from urllib.parse import quote, urlsplit

SERVICE = "execute-api"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
ATTEMPTS = 3  # boto3's legacy retry mode allowed the first try and two retries
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "plaza-realtime"


class ConnectionGone(Exception):
    """The connection is closed (API Gateway answered 410 GoneException)."""


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


_clock = time.time  # the tests freeze it


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
        self._region = region
        self._credentials = credentials
        self._signer: SigV4Signer | None = None
        self._tls: Any = None
        self._local = threading.local()

    # ------------------------------------------------------------ operations

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        self._call("POST", connection_id, data, "PostToConnection")

    def delete_connection(self, connection_id: str) -> None:
        self._call("DELETE", connection_id, b"", "DeleteConnection")

    # ------------------------------------------------------------ the request

    def signed_request(self, method: str, connection_id: str, data: bytes) -> SignedRequest:
        """The request boto3 would send for this call, signed as botocore signs it."""
        path = _path(connection_id)
        signer = self._signer
        if signer is None:
            signer = self._signer = SigV4Signer(self._resolved_region())
        headers = {"Host": self._host_header, "User-Agent": _USER_AGENT}
        headers.update(signer.headers(method, self.base_path + path, self._host_header, data,
                                      self._resolved_credentials().get_frozen_credentials()))
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

    def _send(self, method: str, connection_id: str, data: bytes, operation: str) -> bytes:
        # Signed per attempt: the signature carries the time.
        request = self.signed_request(method, connection_id, data)
        connection = self._connection()
        reused = connection.sock is not None
        try:
            if not reused:
                connection.open(self._tls_context() if self.scheme == "https" else None)
            status, error_type, body = connection.exchange(
                _wire(method, self.base_path + _path(connection_id), request.headers, data))
        except OSError as failure:
            connection.close()
            # A kept-alive connection the server has since closed: reconnect without waiting.
            raise _Transient(_endpoint_error(self.base_url, failure), at_once=reused) from failure
        if status < 300:
            return body
        if status == 410:
            raise ConnectionGone(connection_id)
        error = _client_error(status, error_type, body, operation)
        if status in _RETRY_STATUSES:
            raise _Transient(error)
        raise error

    def _connection(self) -> KeptAliveConnection:
        connection: KeptAliveConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            default_port = 443 if self.scheme == "https" else 80
            connection = KeptAliveConnection(self.host, self.port or default_port)
            self._local.connection = connection
        return connection

    def _tls_context(self) -> Any:
        if self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
        return self._tls

    def _resolved_credentials(self) -> Any:
        if self._credentials is None:
            credentials = _botocore_session().get_credentials()
            if credentials is None:
                from botocore.exceptions import NoCredentialsError

                raise NoCredentialsError()
            self._credentials = credentials
        return self._credentials

    def _resolved_region(self) -> str:
        if self._region is None:
            self._region = (os.environ.get("AWS_REGION")
                            or _botocore_session().get_config_variable("region")
                            or _region_from_host(self.host))
        return self._region

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


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

    def exchange(self, request: bytes) -> tuple[int, str | None, bytes]:
        """Send `request`; the answer's status, x-amzn-errortype header and body."""
        assert self.sock is not None
        self.sock.sendall(request)
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


def _botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def _region_from_host(host: str) -> str:
    # {api-id}.execute-api.{region}.amazonaws.com
    labels = host.split(".")
    return labels[2] if len(labels) > 3 and labels[1] == SERVICE else "us-east-1"


def _client_error(status: int, error_type: str | None, body: bytes, operation: str) -> Exception:
    """The botocore ClientError boto3 raised for the same answer, so callers catch the same."""
    from botocore.exceptions import ClientError

    message = ""
    try:
        parsed = json.loads(body) if body else {}
        if isinstance(parsed, dict):
            message = str(parsed.get("message") or parsed.get("Message") or "")
    except ValueError:
        message = body.decode(errors="replace")
    code = (error_type or "").split(":", 1)[0] or str(status)
    response: Any = {"Error": {"Code": code, "Message": message},
                     "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, operation)


def _endpoint_error(url: str, error: Exception) -> Exception:
    from botocore.exceptions import EndpointConnectionError

    return EndpointConnectionError(endpoint_url=url, error=error)


_api: ManagementApi | None = None


def management_api() -> ManagementApi:
    global _api
    if _api is None:
        _api = ManagementApi(os.environ["WEBSOCKET_MANAGEMENT_ENDPOINT"])
    return _api


def reset() -> None:
    global _api
    if _api is not None:
        _api.close()
    _api = None


def post_to_connection(connection_id: str, message: Any) -> None:
    """Send `message` (JSON-encoded unless bytes/str) to one connection; ConnectionGone if closed."""
    if isinstance(message, bytes):
        data = message
    elif isinstance(message, str):
        data = message.encode()
    else:
        data = json.dumps(message, separators=(",", ":"), default=str).encode()
    management_api().post_to_connection(connection_id, data)


def delete_connection(connection_id: str) -> None:
    management_api().delete_connection(connection_id)
