"""search_reindex state machine task: write one page of documents into Meilisearch.

Input: {index, after, until}; output: {index, upserted, deleted, keys}. Safe to retry: a page
re-reads what it writes under the documents' version locks (plaza.search.sync.write).
"""

from dataclasses import asdict
from typing import Any

from plaza import observability
from plaza.search import reindex


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    done = reindex.index_page(event)
    observability.count("SearchReindexDocuments", done.upserted, index=done.index)
    return asdict(done)
