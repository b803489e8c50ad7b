"""Every minute (EventBridge schedule): like/comment counts of recently engaged posts written back
to Postgres and to the Redis counter cache. Idempotent: it writes recounted absolute values."""

from typing import Any

from plaza import observability
from plaza.trending import service


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    written = service.write_back_counts()
    observability.count("CountsWrittenBack", written)
    return {"posts": written}
