"""SearchIndexQueue consumer: keep Meilisearch's users, posts and hashtags in step (plaza.search.sync).

Reports partial batch failures: a message whose handling failed (Meilisearch or Postgres down)
is retried alone and, after five receives, moves to the dead-letter queue; a malformed message
is logged and dropped, since no retry can fix it.
"""

import json
from typing import Any

from plaza import observability
from plaza.search import sync


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            body = json.loads(record.get("body") or "")
            if not isinstance(body, dict):
                raise sync.BadEvent("the body is not a JSON object")
            observability.count("SearchIndexEvent", outcome=sync.handle(body))
        except ValueError:  # sync.BadEvent too
            observability.log_exception("search index message dropped", message_id=message_id)
            observability.count("SearchIndexDropped")
        except Exception:  # noqa: BLE001 - retried by SQS, then dead-lettered
            observability.log_exception("search indexing failed", message_id=message_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
