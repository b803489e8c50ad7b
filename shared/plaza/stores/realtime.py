"""Posting to WebSocket clients through API Gateway's @connections management API.

The endpoint comes from WEBSOCKET_MANAGEMENT_ENDPOINT (the stage URL over https); locally the
local cloud serves the same API, so handlers run unchanged. The client is created once per
container, on first use.
"""

from __future__ import annotations

import json
import os
from typing import Any

_client: Any = None


class ConnectionGone(Exception):
    """The connection is closed (API Gateway answered 410 GoneException)."""


def management_client() -> Any:
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=os.environ["WEBSOCKET_MANAGEMENT_ENDPOINT"],
            config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}),
        )
    return _client


def reset() -> None:
    global _client
    _client = None


def post_to_connection(connection_id: str, message: Any) -> None:
    """Send `message` (JSON-encoded unless bytes/str) to one connection; ConnectionGone if closed."""
    if isinstance(message, bytes):
        data = message
    elif isinstance(message, str):
        data = message.encode()
    else:
        data = json.dumps(message, separators=(",", ":"), default=str).encode()
    client = management_client()
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except client.exceptions.GoneException as exc:
        raise ConnectionGone(connection_id) from exc


def delete_connection(connection_id: str) -> None:
    client = management_client()
    try:
        client.delete_connection(ConnectionId=connection_id)
    except client.exceptions.GoneException as exc:
        raise ConnectionGone(connection_id) from exc
