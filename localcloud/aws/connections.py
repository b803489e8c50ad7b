"""`apigatewaymanagementapi` on the local AWS endpoint reaches the local WebSocket gateway.

With AWS_ENDPOINT_URL pointing at the local AWS services, an SDK or CLI call to the @connections
API (PostToConnection, GetConnection, DeleteConnection) lands in moto, whose own backend accepts
any connection id and delivers nothing. These hooks hand each call to the running cloud's
WebSocket gateway instead, which answers exactly as it does on its own endpoint
(http://127.0.0.1:3001/<stage>/@connections): 410 GoneException for an unknown connection. With
no local WebSocket API running, the call fails loudly rather than pretending to deliver.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from localcloud.aws.services import AwsServices
    from localcloud.websocket_api import WebSocketApi

_TIMEOUT_S = 10.0


def install(owner: Any, running: Callable[[], bool]) -> None:
    """Patch moto's backend; `owner(predicate)` finds the running cloud (moto_hooks._owner).
    With no cloud `running` (tests using mock_aws), moto's own behaviour stays. moto hands over
    the connection id as it was in the path: percent-encoded ('=' is %3D)."""
    from moto.apigatewaymanagementapi.models import ApiGatewayManagementApiBackend, Connection

    backend = ApiGatewayManagementApiBackend
    originals = (backend.post_to_connection, backend.get_connection, backend.delete_connection)

    def gateway() -> tuple[Any, asyncio.AbstractEventLoop]:
        services: AwsServices | None = owner(lambda s: _websocket_api(s) is not None)
        if services is None or services.cloud.loop is None:
            raise _json_error(501, "NotImplemented",
                              "No local WebSocket API is running: the local cloud forwards "
                              "apigatewaymanagementapi calls to its WebSocket gateway, and has none")
        api = _websocket_api(services)
        assert api is not None
        return api, services.cloud.loop

    def post_to_connection(self: Any, data: bytes, connection_id: str) -> None:
        if not running():
            return originals[0](self, data, connection_id)
        api, loop = gateway()
        status, _, body = _run(loop, api.post_to_connection(unquote(connection_id), data or b""))
        if status >= 300:
            raise _from_answer(status, body)
        return None

    def get_connection(self: Any, connection_id: str) -> Any:
        if not running():
            return originals[1](self, connection_id)
        api, _ = gateway()
        conn = api.connections.get(unquote(connection_id))
        if conn is None:
            raise _gone(unquote(connection_id))
        found = Connection()
        found.connected_at = conn.connected_at
        found.source_ip, found.user_agent = conn.source_ip, conn.user_agent
        return found

    def delete_connection(self: Any, connection_id: str) -> None:
        if not running():
            return originals[2](self, connection_id)
        api, loop = gateway()
        conn = api.connections.get(unquote(connection_id))
        if conn is None or not _run(loop, api.close(conn, 1000, "")):
            raise _gone(unquote(connection_id))
        return None

    backend.post_to_connection = post_to_connection  # type: ignore[method-assign]
    backend.get_connection = get_connection  # type: ignore[method-assign]
    backend.delete_connection = delete_connection  # type: ignore[method-assign]


def _websocket_api(services: AwsServices) -> WebSocketApi | None:
    from localcloud import websocket_api  # lazy: it imports this package's neighbours

    return next((c for c in services.cloud.components
                 if isinstance(c, websocket_api.WebSocketApi)), None)


def _run(loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
    # moto serves from its own thread; the gateway's connections live on the cloud's loop.
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(_TIMEOUT_S)


def _json_error(status: int, error_type: str, message: str) -> Exception:
    """An error moto's werkzeug app answers as AWS would: the status, a JSON __type and message."""
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(error_type, message)
    error.code = status
    return error


def _gone(connection_id: str) -> Exception:
    return _json_error(410, "GoneException", f"Connection {connection_id} is gone")


def _from_answer(status: int, body: bytes) -> Exception:
    try:
        message = json.loads(body).get("message", "")
    except ValueError:
        message = body.decode(errors="replace")
    error_type = {410: "GoneException", 413: "PayloadTooLargeException"}.get(
        status, "ForbiddenException")
    return _json_error(status, error_type, message or f"status {status}")
