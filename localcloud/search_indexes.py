"""Search in the local cloud: with MEILI_URL set, each index's settings applied at start and a
full reindex started (the search_reindex state machine), so existing data is searchable; and,
on either backend, the /_local page's documents per index ("search indexes")."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

REINDEX_MACHINE = "SearchReindexStateMachine"


class SearchIndexes:
    """Component: settings and a reindex at start (Meilisearch only), counts for the page."""

    name = "search"

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        env = cloud.function_env()
        self.meili_url = env.get("MEILI_URL", "")
        self.meili_key = env.get("MEILI_API_KEY", "")
        self.reindex_arn: str | None = None

    async def start(self) -> None:
        if REINDEX_MACHINE not in self.cloud.stack.state_machines:
            return  # a template without Plaza's search (the local cloud's own tests)
        if self.meili_url:
            applied = await asyncio.to_thread(self.apply_settings)
            print(f"[localcloud] search settings applied to Meilisearch: {', '.join(applied)}",
                  flush=True)
            aws = next((c for c in self.cloud.components if c.name == "aws"), None)
            if aws is not None:
                self.reindex_arn = await aws.start_execution(REINDEX_MACHINE)  # type: ignore[attr-defined]
        self.cloud.status["search indexes"] = self.counts

    async def stop(self) -> None:
        self.cloud.status.pop("search indexes", None)

    def _meili(self) -> Any:
        import meilisearch

        return meilisearch.Client(self.meili_url, self.meili_key or None, timeout=2)

    def apply_settings(self) -> list[str]:
        """The settings the deploy applies (plaza.search.index_settings), idempotent."""
        from plaza.search.index_settings import INDEXES, settings_of

        client = self._meili()
        for index in INDEXES:
            client.index(index).update_settings(settings_of(index))
        return list(INDEXES)

    def counts(self) -> list[dict[str, Any]]:
        """Per index: documents a complete copy holds (Postgres), what the backend holds, drift."""
        import psycopg

        from plaza.search.repo import DOCUMENT_COUNTS

        with psycopg.connect(self.cloud.database_url, connect_timeout=2) as conn:
            expected = {index: int(conn.execute(sql).fetchone()[0])  # type: ignore[index]
                        for index, sql in DOCUMENT_COUNTS.items()}
        rows = []
        for index, postgres in expected.items():
            held: int | None = postgres
            if self.meili_url:
                held = None
                with contextlib.suppress(Exception):  # unreachable: shown as no count
                    held = int(self._meili().index(index).get_stats().number_of_documents)
            rows.append({"index": index, "backend": "meilisearch" if self.meili_url else "postgres",
                         "postgres": postgres, "documents": held,
                         "drift": None if held is None else held - postgres})
        return rows
