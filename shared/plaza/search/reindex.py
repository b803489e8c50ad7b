"""Full reindex into Meilisearch: every index cut into pages of keys, each page one batch.

The state machine (statemachines/search_reindex.asl.json) plans a few pages at a time
(plaza.search.pages), writes them in a Map, and plans again from where it stopped; `make reindex`
walks the same pages in this process with a progress bar. A page is a key range (uuids, or tags, ordered
bytewise, which is also the order of their Meilisearch ids), so the pages of an index cover every
id: a page upserts the live documents in its range and deletes the documents Meilisearch was ever
given there that are gone (plaza.search.sync.write, versioned like the index events, so a page
and an event for one document never write out of order). Safe to rerun or run twice at once.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from plaza import errors
from plaza.search import index_settings, pages, repo, sync
from plaza.stores import search as store

ORDER = pages.ORDER


@dataclass(frozen=True)
class PageDone:
    index: str
    upserted: int
    deleted: int
    keys: int = 0  # live keys in the page's range: what the progress bar counts


def _bound(kind: str, key: str | None) -> str | None:
    return None if key is None else sync.doc_id(kind, key)


def index_page(page: dict[str, Any]) -> PageDone:
    """Write one page (see the module's docstring); on Postgres nothing: the tables are the index."""
    index, after, until = page.get("index"), page.get("after"), page.get("until")
    if index not in ORDER or not all(key is None or isinstance(key, str) for key in (after, until)):
        raise errors.Invalid(f"not a reindex page: {page!r}")  # never retried by the machine
    kind = sync.KINDS[index]
    if not store.meilisearch_configured():
        return PageDone(index, 0, 0, 0)
    index_settings.apply_once()
    keys = repo.live_keys(kind, after, until)
    synced = repo.synced_ids(index, _bound(kind, after), _bound(kind, until))
    upserted, deleted = sync.write(kind, keys, also_ids=synced)
    return PageDone(index, upserted, deleted, len(keys))


def run_all(progress: TextIO | None = None) -> dict[str, PageDone]:
    """Every page in this process; totals per index. With `progress`, a bar on that terminal."""
    totals = {index: PageDone(index, 0, 0) for index in ORDER}
    expected = sum(repo.live_key_count(sync.KINDS[index]) for index in ORDER)
    started, seen = time.monotonic(), 0
    for page in pages.every_page():
        done = index_page(page)
        before = totals[done.index]
        totals[done.index] = PageDone(done.index, before.upserted + done.upserted,
                                      before.deleted + done.deleted)
        seen += done.keys
        if progress is not None:
            _draw(progress, done.index, seen, expected, time.monotonic() - started)
    if progress is not None:
        progress.write("\n")
    return totals


def _draw(out: TextIO, index: str, seen: int, expected: int, elapsed: float) -> None:
    width = 30
    share = min(1.0, seen / expected) if expected else 1.0
    bar = "#" * int(share * width)
    rate = seen / elapsed if elapsed > 0 else 0.0
    out.write(f"\r[{bar:<{width}}] {share:6.1%}  {seen}/{expected} keys  {rate:,.0f}/s"
              f"  ({index})   ")
    out.flush()


def main() -> int:
    """`make reindex`: every index into Meilisearch (MEILI_URL), then the drift check."""
    from plaza.search import drift

    if not store.meilisearch_configured():
        print("Search runs on Postgres (MEILI_URL unset): the tables are the index, nothing to do.")
        return 0
    started = time.monotonic()
    totals = run_all(progress=sys.stderr)
    elapsed = time.monotonic() - started
    documents = sum(each.upserted for each in totals.values())
    for each in totals.values():
        print(f"{each.index:<9} {each.upserted:>9} upserted {each.deleted:>7} deleted")
    print(f"{documents} documents in {elapsed:.1f} s ({documents / elapsed if elapsed else 0:,.0f}/s)")
    report = drift.check()
    for index, counts in report["indexes"].items():
        print(f"drift {index:<9} postgres {counts['postgres']}  meilisearch {counts['search']}"
              f"  drift {counts['drift']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
