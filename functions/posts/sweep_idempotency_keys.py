"""Every hour (EventBridge schedule): drop the Idempotency-Key records of the create routes (posts,
comments, messages, conversations) older than their 24 h, so the table holds about one day of
keys. Idempotent: it deletes only expired rows."""

from typing import Any

from plaza import idempotency, observability


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    deleted = idempotency.sweep()
    observability.count("IdempotencyKeysSwept", deleted)
    return {"deleted": deleted}
