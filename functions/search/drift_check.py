"""The search drift check: documents per index, Meilisearch against Postgres (plaza.search.drift).

Runs every 15 minutes and as the reindex machine's last step; the report goes to the metrics
SearchIndexDocuments and SearchIndexDrift and to /health/ready.
"""

from typing import Any

from plaza.search import drift


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return drift.check()
