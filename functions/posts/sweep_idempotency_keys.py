"""Every hour (EventBridge schedule): drop the Idempotency-Key records of POST /v1/posts older than
their 24 h, so the table holds about one day of keys. Idempotent: it deletes only expired rows."""

from typing import Any

from plaza import observability
from plaza.posts import service


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    deleted = service.sweep_idempotency_keys()
    observability.count("IdempotencyKeysSwept", deleted)
    return {"deleted": deleted}
