"""boto3 clients, one per service per container, created on first use.

Short timeouts and two attempts: the callers (producers in a request, pushes in a batch) are
fail-open, so a slow AWS call costs them a bounded wait instead of the Lambda's whole timeout.
"""

from __future__ import annotations

from typing import Any

_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is None:
        import boto3
        from botocore.config import Config

        found = _clients[service] = boto3.client(service, config=Config(  # type: ignore[call-overload]
            connect_timeout=1, read_timeout=3, retries={"max_attempts": 2}))
    return found


def reset() -> None:
    """Drop the clients (tests switch endpoints and credentials between cases)."""
    _clients.clear()
