"""Full-text search: Meilisearch when MEILI_URL is set, else Postgres full-text + pg_trgm.

Writes always go to Postgres (table search_documents) and also to Meilisearch when configured,
so Postgres can serve every query the moment Meilisearch fails. A failed Meilisearch call is
logged and counted (metric SearchFallback), and Meilisearch is skipped for COOLDOWN_S so each
request does not wait for a timeout again.

A document is a dict with a string `id`, optional `title` and `body` (the searched text) and any
other JSON fields, which come back unchanged in hits.
"""

from __future__ import annotations

import json
import math
import re
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plaza import observability
from plaza.config import settings
from plaza.errors import Invalid, Unavailable
from plaza.stores import db

if TYPE_CHECKING:
    import meilisearch

MAX_LIMIT = 100
MAX_OFFSET = 1000
MAX_QUERY_CHARS = 200
MAX_BATCH = 1000
COOLDOWN_S = 30.0
_INDEX_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,511}$")  # what Meilisearch accepts as a document id
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_TERMS = 12


@dataclass(frozen=True)
class SearchPage:
    hits: list[dict[str, Any]]
    total_estimate: int
    backend: str
    fallback: bool = False


def _check_index(index: str) -> None:
    if not _INDEX_NAME.match(index):
        raise Invalid(f"Unknown search index {index!r}")


def _check_query(query: str, limit: int, offset: int) -> None:
    errors = []
    if len(query) > MAX_QUERY_CHARS:
        errors.append({"field": "q", "message": f"at most {MAX_QUERY_CHARS} characters"})
    if not 1 <= limit <= MAX_LIMIT:
        errors.append({"field": "limit", "message": f"between 1 and {MAX_LIMIT}"})
    if not 0 <= offset <= MAX_OFFSET:
        errors.append({"field": "offset", "message": f"between 0 and {MAX_OFFSET}"})
    if errors:
        raise Invalid("The search parameters are out of range", errors=errors)


def _check_documents(docs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if len(docs) > MAX_BATCH:
        raise Invalid(f"At most {MAX_BATCH} documents per call")
    clean = []
    for doc in docs:
        doc_id = str(doc.get("id", ""))
        if not _ID.match(doc_id):
            raise Invalid(f"A search document needs an id of letters, digits, - or _: {doc_id!r}")
        clean.append({**doc, "id": doc_id, "title": str(doc.get("title") or ""),
                      "body": str(doc.get("body") or "")})
    return clean


class PostgresSearch:
    """search_documents: `tsv @@ prefix query`, ranked; trigram similarity when that finds none."""

    name = "postgres"

    def index_documents(self, index: str, docs: list[dict[str, Any]]) -> None:
        rows = [
            (index, doc["id"], doc["title"], doc["body"],
             json.dumps({k: v for k, v in doc.items() if k not in ("id", "title", "body")}))
            for doc in docs
        ]
        with db.transaction() as conn, conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_documents (index_name, doc_id, title, body, data)"
                " VALUES (%s, %s, %s, %s, %s::jsonb)"
                " ON CONFLICT (index_name, doc_id) DO UPDATE SET title = EXCLUDED.title,"
                " body = EXCLUDED.body, data = EXCLUDED.data, updated_at = now()",
                rows,
            )

    def delete_documents(self, index: str, ids: list[str]) -> None:
        db.execute("DELETE FROM search_documents WHERE index_name = %s AND doc_id = ANY(%s)",
                   (index, ids))

    def search(self, index: str, query: str, limit: int, offset: int) -> SearchPage:
        terms = _WORD.findall(query.lower())[:_MAX_TERMS]
        if not terms:
            rows = db.fetch_all(
                "SELECT doc_id, title, body, data, count(*) OVER () AS total"
                " FROM search_documents WHERE index_name = %s"
                " ORDER BY updated_at DESC, doc_id LIMIT %s OFFSET %s",
                (index, limit, offset),
            )
            return self._page(rows)
        # Every word must match; each as a prefix, so "hel" finds "hello" as it is typed.
        tsquery = " & ".join(f"{term}:*" for term in terms)
        rows = db.fetch_all(
            "SELECT doc_id, title, body, data, count(*) OVER () AS total"
            " FROM search_documents, to_tsquery('simple', %s) AS q"
            " WHERE index_name = %s AND tsv @@ q"
            " ORDER BY ts_rank_cd(tsv, q) DESC, updated_at DESC, doc_id LIMIT %s OFFSET %s",
            (tsquery, index, limit, offset),
        )
        if rows or offset:
            return self._page(rows)
        # Nothing matched exactly: allow typos ("serch" finds "search") by trigram similarity.
        text = " ".join(terms)
        rows = db.fetch_all(
            "SELECT doc_id, title, body, data, count(*) OVER () AS total"
            " FROM search_documents"
            " WHERE index_name = %s AND %s <%% (title || ' ' || body)"
            " ORDER BY word_similarity(%s, title || ' ' || body) DESC, doc_id LIMIT %s",
            (index, text, text, limit),
        )
        return self._page(rows)

    def _page(self, rows: list[dict[str, Any]]) -> SearchPage:
        hits = [{**row["data"], "id": row["doc_id"], "title": row["title"], "body": row["body"]}
                for row in rows]
        return SearchPage(hits, int(rows[0]["total"]) if rows else 0, self.name)

    def ping(self) -> None:
        db.fetch_one("SELECT 1 FROM search_documents LIMIT 1")


class MeiliSearch:
    """The Meilisearch HTTP API through the official client; one index per `index` name."""

    name = "meilisearch"

    def __init__(self, url: str, api_key: str, timeout_s: float) -> None:
        # lazy: the Meilisearch client ships only in the SearchLayer, where search runs
        import meilisearch

        # The client takes whole seconds; never 0, which would mean "wait forever".
        self._client: meilisearch.Client = meilisearch.Client(
            url, api_key or None, timeout=max(1, math.ceil(timeout_s)))

    def index_documents(self, index: str, docs: list[dict[str, Any]]) -> None:
        self._client.index(index).add_documents(docs, primary_key="id")

    def delete_documents(self, index: str, ids: list[str]) -> None:
        # The client deprecates ids in favour of filters, which would need a filterable
        # attribute; the documented delete-batch route it calls is still the direct way.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self._client.index(index).delete_documents(list(ids))

    def search(self, index: str, query: str, limit: int, offset: int,
               locales: Sequence[str] = (), attributes: Sequence[str] = ()) -> SearchPage:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if locales:
            params["locales"] = list(locales)  # the query's language(s), ISO 639 codes
        if attributes:
            params["attributesToSearchOn"] = list(attributes)  # of its searchableAttributes
        found = self._client.index(index).search(query, params)
        return SearchPage(list(found.get("hits", [])),
                          int(found.get("estimatedTotalHits", len(found.get("hits", [])))),
                          self.name)

    def update_settings(self, index: str, index_settings: dict[str, Any]) -> None:
        self._client.index(index).update_settings(index_settings)

    def document_count(self, index: str) -> int:
        """numberOfDocuments of the index's stats; 0 for an index not created yet."""
        import meilisearch.errors

        try:
            return int(self._client.index(index).get_stats().number_of_documents)
        except meilisearch.errors.MeilisearchApiError as error:
            if error.code == "index_not_found":
                return 0
            raise

    def ping(self) -> None:
        self._client.health()


@dataclass
class Search:
    """Postgres always; Meilisearch in front of it when configured and answering."""

    postgres: PostgresSearch
    meili: MeiliSearch | None = None
    meili_down_until: float = field(default=0.0)

    def _meili_usable(self) -> MeiliSearch | None:
        if self.meili is None or time.monotonic() < self.meili_down_until:
            return None
        return self.meili

    def _meili_failed(self, operation: str, error: Exception) -> None:
        self.meili_down_until = time.monotonic() + COOLDOWN_S
        observability.log_warning("meilisearch call failed; using postgres",
                                  operation=operation, error=type(error).__name__,
                                  detail=str(error)[:300])
        observability.count("SearchFallback", operation=operation)

    def index_documents(self, index: str, docs: Sequence[Mapping[str, Any]]) -> None:
        _check_index(index)
        clean = _check_documents(docs)
        if not clean:
            return
        self.postgres.index_documents(index, clean)
        meili = self._meili_usable()
        if meili is not None:
            try:
                meili.index_documents(index, clean)
            except Exception as error:  # noqa: BLE001 - Postgres has the documents
                self._meili_failed("index", error)

    def delete_documents(self, index: str, ids: Iterable[str]) -> None:
        _check_index(index)
        ids = [str(doc_id) for doc_id in ids]
        if not ids:
            return
        self.postgres.delete_documents(index, ids)
        meili = self._meili_usable()
        if meili is not None:
            try:
                meili.delete_documents(index, ids)
            except Exception as error:  # noqa: BLE001 - Postgres is up to date
                self._meili_failed("delete", error)

    def search(self, index: str, query: str, limit: int = 20, offset: int = 0) -> SearchPage:
        _check_index(index)
        _check_query(query, limit, offset)
        query = query.strip()
        meili = self._meili_usable()
        if meili is not None:
            try:
                return meili.search(index, query, limit, offset)
            except Exception as error:  # noqa: BLE001 - any Meilisearch failure falls back
                self._meili_failed("search", error)
        try:
            page = self.postgres.search(index, query, limit, offset)
        except Unavailable as error:
            raise Unavailable("Search is unavailable", dependency="search") from error
        if self.meili is not None:
            return SearchPage(page.hits, page.total_estimate, page.backend, fallback=True)
        return page

    def ping(self) -> str:
        meili_error: Exception | None = None
        if self.meili is not None:
            try:
                self.meili.ping()
                self.meili_down_until = 0.0
                return self.meili.name
            except Exception as error:  # noqa: BLE001 - fall through to Postgres
                meili_error = error
                self._meili_failed("ping", error)
        try:
            self.postgres.ping()
        except Exception as error:
            raise Unavailable("No search backend answers", dependency="search") from error
        if meili_error is not None:
            return "postgres (meilisearch unavailable)"
        return self.postgres.name


_search: Search | None = None


def backend() -> Search:
    """This container's search, built on first use from the settings."""
    global _search
    if _search is None:
        config = settings()
        meili = None
        if config.search_backend != "postgres" and config.meili_url:
            meili = MeiliSearch(config.meili_url, config.meili_api_key, config.search_timeout_s)
        elif config.search_backend == "meilisearch":
            raise Unavailable("SEARCH_BACKEND=meilisearch needs MEILI_URL", dependency="search")
        _search = Search(PostgresSearch(), meili)
    return _search


def index_documents(index: str, docs: Sequence[Mapping[str, Any]]) -> None:
    backend().index_documents(index, docs)


def delete_documents(index: str, ids: Iterable[str]) -> None:
    backend().delete_documents(index, ids)


def search(index: str, query: str, limit: int = 20, offset: int = 0) -> SearchPage:
    return backend().search(index, query, limit, offset)


def ping() -> str:
    return backend().ping()


def meilisearch_configured() -> bool:
    return backend().meili is not None


class MeiliUnusable(Exception):
    """Meilisearch is not configured, cooling down after a failure, or just failed (counted)."""


def search_meilisearch(index: str, query: str, limit: int, offset: int,
                       locales: Sequence[str] = (), attributes: Sequence[str] = ()) -> SearchPage:
    """Meilisearch only, for callers with their own Postgres fallback: a failure is logged and
    counted (SearchFallback), starts the cooldown, and raises MeiliUnusable."""
    _check_index(index)
    _check_query(query, limit, offset)
    search = backend()
    meili = search._meili_usable()
    if meili is None:
        raise MeiliUnusable(index)
    try:
        return meili.search(index, query.strip(), limit, offset, locales, attributes)
    except Exception as error:  # noqa: BLE001 - any Meilisearch failure falls back
        search._meili_failed("search", error)
        raise MeiliUnusable(index) from error


def apply_meilisearch_settings(index: str, index_settings: Mapping[str, Any]) -> None:
    """Set an index's settings (creating the index); idempotent. No-op without Meilisearch."""
    _check_index(index)
    meili = backend().meili
    if meili is not None:
        meili.update_settings(index, dict(index_settings))


def meilisearch_document_count(index: str) -> int | None:
    """How many documents Meilisearch holds in `index`; None without Meilisearch. Raises when
    it does not answer (the caller reports that, it is not a search to fall back from)."""
    _check_index(index)
    meili = backend().meili
    return None if meili is None else meili.document_count(index)


INDEX_REPORT_KEY = "search:index-report"
INDEX_REPORT_TTL_S = 7 * 86400


def save_index_report(report: Mapping[str, Any]) -> None:
    """Keep the latest drift check (plaza.search.drift) for readiness; fail-open."""
    from plaza.stores import cache

    try:
        cache.client().set(INDEX_REPORT_KEY, json.dumps(report), ex=INDEX_REPORT_TTL_S)
    except Unavailable as error:
        observability.log_warning("search index report not kept", error=str(error))


def index_report() -> dict[str, Any] | None:
    """The latest drift check, or None when none ran in the last week."""
    from plaza.stores import cache

    raw = cache.client().get(INDEX_REPORT_KEY)
    return None if raw is None else dict(json.loads(raw))


def index_in_meilisearch(index: str, docs: Sequence[Mapping[str, Any]]) -> None:
    """Upsert documents kept only in Meilisearch (their Postgres copy is the domain's own tables);
    a failure raises, so the caller's event is retried rather than lost."""
    _check_index(index)
    meili = backend().meili
    if meili is not None and docs:
        meili.index_documents(index, [dict(doc) for doc in docs])


def delete_from_meilisearch(index: str, ids: Iterable[str]) -> None:
    _check_index(index)
    meili = backend().meili
    ids = [str(doc_id) for doc_id in ids]
    if meili is not None and ids:
        meili.delete_documents(index, ids)


def reset() -> None:
    """Forget the backend and its cooldown (tests change settings between cases)."""
    global _search
    _search = None
