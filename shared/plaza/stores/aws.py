"""boto3 clients: the one place the layer builds them, one per (service, settings) per container.

Each client is created on first use (boto3 costs ~200 ms of import, paid only by functions that
call AWS). The defaults are short: most callers (producers in a request, pushes in a batch) are
fail-open, so a slow AWS call costs them a bounded wait instead of the Lambda's whole timeout.
A caller that can afford to wait longer passes its own timeouts.
"""

from __future__ import annotations

from typing import Any

_clients: dict[tuple[str, float, float, int], Any] = {}


def client(service: str, *, connect_timeout: float = 1, read_timeout: float = 3,
           attempts: int = 3) -> Any:
    """This container's `service` client with these timeouts (seconds) and `attempts` tries.

    `attempts` counts the first try: 3 is the first and two retries (botocore's legacy
    `max_attempts=2`).
    """
    key = (service, connect_timeout, read_timeout, attempts)
    found = _clients.get(key)
    if found is None:
        # lazy: boto3 is ~0.2 s of cold start, paid only by a function that calls AWS
        import boto3
        from botocore.config import Config

        # S3 links are SigV4 (botocore may presign with the deprecated SigV2, which new regions
        # and the local cloud's S3 front refuse).
        found = _clients[key] = boto3.client(service, config=Config(  # type: ignore[call-overload]
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            retries={"total_max_attempts": attempts},
            signature_version="s3v4" if service == "s3" else None))
    return found


def after_commit(service: str) -> Any:
    """The `service` client for a side effect after a write committed (queue a notification,
    start a fan-out): one short try, so the write answers well within its function's timeout.
    Its callers fail open, and what a failure loses is healed elsewhere or acceptable.
    """
    return client(service, connect_timeout=0.5, read_timeout=1, attempts=1)


def reset() -> None:
    """Drop the clients (tests switch endpoints and credentials between cases)."""
    _clients.clear()
