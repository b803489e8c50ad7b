"""Posting to WebSocket clients through API Gateway's @connections management API.

The endpoint comes from WEBSOCKET_MANAGEMENT_ENDPOINT (the stage URL over https); locally the
local cloud serves the same API, so handlers run unchanged.

Requests are signed by botocore's own SigV4 signer (plaza.stores.realtime_signer) and sent by
libcurl through pycurl (plaza.stores.realtime_curl) over kept-alive connections. A boto3 client
is not used: its request pipeline (parameter validation, the event hooks, response parsing)
costs more per call than signing and sending the request, and so did urllib3's. Each libcurl
handle holds one kept-alive connection; `post_to_connections` keeps many posts in flight from a
small fixed set of threads, one per handle, started once per container (libcurl waits for the
answers with the GIL released).

botocore and pycurl are imported on first use, for cold start: every function whose domain
service may publish carries this module, and most of their invocations never post.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal
from urllib.parse import quote, urlsplit

SERVICE = "execute-api"
CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
ATTEMPTS = 3  # boto3's legacy retry mode allowed the first try and two retries
MAX_IN_FLIGHT = 16  # pooled connections, and so posts in flight at once
# @connections answers with an empty body or a short JSON error; anything longer is cut here
# rather than held in memory.
MAX_ANSWER_BYTES = 4096
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_USER_AGENT = "plaza-realtime"


class ConnectionGone(Exception):
    """The connection is closed (API Gateway answered 410 GoneException)."""


class ManagementApi:
    """The @connections API of one WebSocket stage.

    Region and credentials default to botocore's (environment, config files, container role),
    resolved on first use. `ca_certs` replaces the CAs boto3 trusts (certifi's bundle) with a
    test's own certificate; the certificate and the host name are checked either way.
    """

    def __init__(self, endpoint: str, region: str | None = None, credentials: Any = None, *,
                 max_in_flight: int = MAX_IN_FLIGHT, ca_certs: str | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> None:
        parts = urlsplit(endpoint.rstrip("/"))
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port
        self.base_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.base_path = parts.path
        self.max_in_flight = max_in_flight
        self._ca_certs = ca_certs
        self._timeouts = (connect_timeout, read_timeout)
        self._region = region
        self._credentials = credentials
        self._signer: Any = None  # ConnectionsSigner for the current frozen credentials
        self._exchanges: list[Any] = []  # every libcurl handle made, idle or lent
        self._idle: list[Any] = []
        self._workers: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ operations

    @property
    def connections_opened(self) -> int:
        """How many connections this client has opened so far (kept-alive ones are reused)."""
        return sum(exchange.connections_opened for exchange in self._exchanges)

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        error = self._call_once("POST", connection_id, data)
        if error is not None:
            raise error

    def delete_connection(self, connection_id: str) -> None:
        error = self._call_once("DELETE", connection_id, b"")
        if error is not None:
            raise error

    def post_to_connections(self, posts: list[tuple[str, bytes]],
                            parallel: int) -> list[tuple[str, Exception]]:
        """Post each (connection id, data), up to `parallel` (at most max_in_flight) requests in
        flight over as many kept-alive connections; the posts that failed, each with what
        post_to_connection would have raised (ConnectionGone for a closed connection)."""
        waiting = deque(posts)
        lanes = max(1, min(parallel, self.max_in_flight, len(posts)))
        if lanes == 1:
            return self._post_each(waiting)
        workers = self._thread_pool()
        lanes_running = [workers.submit(self._post_each, waiting) for _ in range(lanes)]
        return [failure for lane in lanes_running for failure in lane.result()]

    def _post_each(self, waiting: deque[tuple[str, bytes]]) -> list[tuple[str, Exception]]:
        """Take posts off `waiting` (shared by every lane) until none is left."""
        failures: list[tuple[str, Exception]] = []
        exchange = self._lend()
        try:
            while True:
                try:
                    connection_id, data = waiting.popleft()
                except IndexError:
                    return failures
                try:
                    error = self._call(exchange, "POST", connection_id, data)
                except Exception as unexpected:  # noqa: BLE001 - no credentials, say: this post fails
                    error = unexpected
                if error is not None:
                    failures.append((connection_id, error))
        finally:
            self._idle.append(exchange)

    # ------------------------------------------------------------ one call

    def _call_once(self, method: str, connection_id: str, data: bytes) -> Exception | None:
        exchange = self._lend()
        try:
            return self._call(exchange, method, connection_id, data)
        finally:
            self._idle.append(exchange)

    def _call(self, exchange: Any, method: str, connection_id: str,
              data: bytes) -> Exception | None:
        """Send the call, again after throttling, a 5xx or no answer; what it failed with
        (ConnectionGone for 410), None when it succeeded. A request lost with a kept-alive
        connection the server had closed libcurl sends again itself, at once."""
        from plaza.stores.realtime_curl import ExchangeFailed  # cold start: see the top

        url = f"{self.base_url}/@connections/{quote(connection_id, safe='')}"
        operation = "PostToConnection" if method == "POST" else "DeleteConnection"
        error: Exception | None = None
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(0.05 * 2 ** (attempt - 1))
            # Signed per attempt: the signature carries the time.
            headers = self._current_signer().headers(method, url, data)
            try:
                status, error_type, body = exchange.send(method, url, headers, data)
            except ExchangeFailed as failure:
                error = _endpoint_error(self.base_url, failure.error, failure.timed_out)
                continue
            if status < 300:
                return None
            if status == 410:
                return ConnectionGone(connection_id)
            error = _client_error(status, error_type, body, operation)
            if status not in _RETRY_STATUSES:
                return error
        return error

    # ------------------------------------------------------------ per container

    def _current_signer(self) -> Any:
        """botocore's SigV4Auth for the current credentials: frozen once per signature, so a
        refresh (botocore decides when temporary credentials are due) reaches the next one."""
        frozen = self._resolved_credentials().get_frozen_credentials()
        signer = self._signer
        if signer is None or signer.credentials != frozen:
            from plaza.stores.realtime_signer import ConnectionsSigner  # cold start: see the top

            signer = self._signer = ConnectionsSigner(frozen, SERVICE, self._resolved_region(),
                                                      self.base_url)
        return signer

    def _lend(self) -> Any:
        """An idle libcurl handle (its connection kept alive), else a new one."""
        try:
            return self._idle.pop()
        except IndexError:
            pass
        from plaza.stores.realtime_curl import Exchange  # cold start: see the top

        exchange = Exchange(user_agent=_USER_AGENT, connect_timeout=self._timeouts[0],
                            read_timeout=self._timeouts[1], max_answer_bytes=MAX_ANSWER_BYTES,
                            ca_certs=self._ca_certs or _trusted_cas())
        with self._lock:
            self._exchanges.append(exchange)
        return exchange

    def _thread_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._workers is None:
                self._workers = ThreadPoolExecutor(self.max_in_flight,
                                                   thread_name_prefix="connections")
            return self._workers

    def _resolved_credentials(self) -> Any:
        if self._credentials is None:
            self._credentials = default_credentials()
        return self._credentials

    def _resolved_region(self) -> str:
        if self._region is None:
            self._region = default_region(self.host)
        return self._region

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, None
            exchanges, self._exchanges, self._idle = self._exchanges, [], []
        if workers is not None:
            workers.shutdown(wait=True)
        for exchange in exchanges:
            exchange.close()


def default_credentials() -> Any:
    """botocore's credential chain: environment, config files, the container's role."""
    credentials = _botocore_session().get_credentials()
    if credentials is None:
        from botocore.exceptions import NoCredentialsError  # cold start: see the top

        raise NoCredentialsError()
    return credentials


def default_region(host: str) -> str:
    """The Lambda's region, else botocore's configured one, else the endpoint's."""
    return (os.environ.get("AWS_REGION") or _botocore_session().get_config_variable("region")
            or _region_from_host(host))


def _botocore_session() -> Any:
    import botocore.session  # cold start: see the top

    return botocore.session.get_session()


def _region_from_host(host: str) -> str:
    # {api-id}.execute-api.{region}.amazonaws.com
    labels = host.split(".")
    return labels[2] if len(labels) > 3 and labels[1] == SERVICE else "us-east-1"


def _client_error(status: int, error_type: str | None, body: bytes, operation: str) -> Exception:
    """The botocore ClientError boto3 raised for the same answer, so callers catch the same."""
    from botocore.exceptions import ClientError  # cold start: see the top

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


def _endpoint_error(url: str, error: Exception,
                    timed_out: Literal["connect", "read"] | None = None) -> Exception:
    """The botocore exception boto3 raised for the same failure to get an answer: a timeout
    waiting to connect or for the answer, else no connection (refused, unreachable, TLS)."""
    from botocore import exceptions  # cold start: see the top

    if timed_out == "read":
        return exceptions.ReadTimeoutError(endpoint_url=url, error=error)
    if timed_out == "connect":
        return exceptions.ConnectTimeoutError(endpoint_url=url, error=error)
    return exceptions.EndpointConnectionError(endpoint_url=url, error=error)


def _trusted_cas() -> str:
    """The CA bundle boto3 verifies AWS endpoints with (certifi's, else botocore's own)."""
    from botocore.httpsession import get_cert_path  # cold start: see the top

    return str(get_cert_path(True))


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
