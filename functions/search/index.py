"""SearchIndexQueue consumer: keep Meilisearch's users, posts and hashtags in step (plaza.search.sync).

Reports partial batch failures (plaza.sqs_batch): a message whose handling failed (Meilisearch or
Postgres down) is retried alone and, after five receives, moves to the dead-letter queue; a
malformed message is logged and dropped, since no retry can fix it.
"""

from typing import Any

from plaza import observability, sqs_batch
from plaza.search import sync


def _handle(body: str) -> None:
    observability.count("SearchIndexEvent", outcome=sync.handle(sqs_batch.json_object(body)))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # sync.BadEvent is a ValueError, as are a body that is not JSON or not an object.
    return sqs_batch.process(event, _handle, what="search index", dropped=(ValueError,),
                             dropped_metric="SearchIndexDropped")
