"""The drift check: how many documents each Meilisearch index holds against how many Postgres
says a complete copy holds. Reported as metrics (SearchIndexDocuments, SearchIndexDrift per
index) and kept in Redis for /health/ready and the /_local page (plaza.stores.search)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza import observability
from plaza.search import repo
from plaza.stores import search as store


def check() -> dict[str, Any]:
    """`{checked_at, backend, indexes: {index: {postgres, search, drift}}}`: drift is what the
    search backend holds minus what it should (0 on Postgres, where the tables are the index;
    null when Meilisearch did not answer, with `error`)."""
    expected = repo.document_counts()
    report: dict[str, Any] = {"checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                              "backend": "meilisearch" if store.meilisearch_configured()
                              else "postgres", "indexes": {}}
    for index, postgres in expected.items():
        held: int | None = postgres
        if report["backend"] == "meilisearch":
            try:
                held = store.meilisearch_document_count(index)
            except Exception as error:  # noqa: BLE001 - an unreachable Meilisearch is the finding
                held = None
                report["error"] = f"meilisearch: {type(error).__name__}"
        drift = None if held is None else held - postgres
        report["indexes"][index] = {"postgres": postgres, "search": held, "drift": drift}
        observability.count("SearchIndexDocuments", postgres, index=index)
        if drift is not None:
            observability.count("SearchIndexDrift", abs(drift), index=index)
    if any(counts["drift"] for counts in report["indexes"].values()):
        observability.log_warning("search index drift", **{
            index: counts["drift"] for index, counts in report["indexes"].items()})
    store.save_index_report(report)
    return report
