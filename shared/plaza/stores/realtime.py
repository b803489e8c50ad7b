"""Posting to WebSocket clients through API Gateway's @connections management API.

The endpoint comes from WEBSOCKET_MANAGEMENT_ENDPOINT (the stage URL over https); locally the
local cloud serves the same API, so handlers run unchanged.

Every call is one small request, so instead of a boto3 client (whose request pipeline costs
about a millisecond per call, more than the request itself) this module builds the request
boto3 would send, signs it with botocore's own SigV4 signer and sends it over a kept-alive
connection: one per thread, opened on first use and kept for the container's life.
"""

from __future__ import annotations

import http.client
import json
import os
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
    """What botocore's SigV4 signer reads and writes of an AWSRequest, with plain dict headers:
    AWSRequest's email-based header classes were a third of the signing time."""

    __slots__ = ("method", "url", "body", "headers", "params", "context")

    def __init__(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.headers = headers
        self.params: dict[str, str] = {}
        self.context: dict[str, Any] = {}


class _Headers(dict[str, str]):
    def get_all(self, name: str) -> list[str]:
        return [self[name]]


_signer: Any = None


def _signer_class() -> Any:
    """botocore's SigV4Auth, choosing the signed headers from plain dict headers (same rule)."""
    global _signer
    if _signer is None:
        from botocore.auth import SIGNED_HEADERS_BLACKLIST, SigV4Auth

        class _SigV4(SigV4Auth):
            def headers_to_sign(self, request: Any) -> _Headers:  # type: ignore[override]
                return _Headers({name.lower(): value for name, value in request.headers.items()
                                 if name.lower() not in SIGNED_HEADERS_BLACKLIST})

        _signer = _SigV4
    return _signer


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
        # botocore signs the Host header as the URL has it, without a default port.
        self._host_header = parts.netloc
        if (parts.scheme, parts.port) in (("https", 443), ("http", 80)):
            self._host_header = self.host
        self._region = region
        self._credentials = credentials
        self._local = threading.local()

    # ------------------------------------------------------------ operations

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        self._call("POST", connection_id, data, "PostToConnection")

    def delete_connection(self, connection_id: str) -> None:
        self._call("DELETE", connection_id, b"", "DeleteConnection")

    # ------------------------------------------------------------ the request

    def signed_request(self, method: str, connection_id: str, data: bytes) -> SignedRequest:
        """The request boto3 would send for this call, signed by botocore's SigV4 signer."""
        request = SignedRequest(method, self.base_url + _path(connection_id), data,
                                {"Host": self._host_header, "User-Agent": _USER_AGENT})
        credentials = self._resolved_credentials()
        _signer_class()(credentials.get_frozen_credentials(), SERVICE, self._resolved_region()) \
            .add_auth(request)
        return request

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
                self._open(connection)
            connection.request(method, self.base_path + _path(connection_id),
                               body=data if method == "POST" else None,
                               headers=dict(request.headers.items()))
            response = connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError) as failure:
            connection.close()
            # A kept-alive connection the server has since closed: reconnect without waiting.
            raise _Transient(_endpoint_error(self.base_url, failure), at_once=reused) from failure
        status = response.status
        if status < 300:
            return body
        if status == 410:
            raise ConnectionGone(connection_id)
        error = _client_error(status, response.getheader("x-amzn-errortype"), body, operation)
        if status in _RETRY_STATUSES:
            raise _Transient(error)
        raise error

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            if self.scheme == "https":
                connection = http.client.HTTPSConnection(self.host, self.port,
                                                         timeout=CONNECT_TIMEOUT)
            else:
                connection = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=CONNECT_TIMEOUT)
            self._local.connection = connection
        return connection

    @staticmethod
    def _open(connection: http.client.HTTPConnection) -> None:
        connection.connect()
        assert connection.sock is not None
        connection.sock.settimeout(READ_TIMEOUT)

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
