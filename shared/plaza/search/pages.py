"""The full reindex's pages: each index cut into key ranges of PAGE_SIZE live keys, planned
PAGES_PER_PLAN at a time so the state machine's Map input stays small. Reads Postgres alone (the
plan task carries no Meilisearch client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from plaza import errors
from plaza.search import repo

PAGE_SIZE = 500  # documents per Meilisearch write (it takes up to 1,000)
PAGES_PER_PLAN = 20  # pages per plan step: the machine's Map input stays a few kilobytes
ORDER = ("users", "posts", "hashtags")
KINDS = {"users": "user", "posts": "post", "hashtags": "hashtag"}


def plan(cursor: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{"pages": [{index, after, until}, ...], "next": {index, after} | None}` from `cursor`
    (the previous plan's `next`; None or {} to start): index ranges of PAGE_SIZE live keys,
    the last page of an index open-ended (until None)."""
    cursor = cursor or {}
    index = cursor.get("index") or ORDER[0]
    after = cursor.get("after")
    if index not in ORDER or not (after is None or isinstance(after, str)):
        raise errors.Invalid(f"not a reindex cursor: {cursor!r}")  # never retried by the machine
    pages: list[dict[str, Any]] = []
    while len(pages) < PAGES_PER_PLAN:
        until = repo.page_end(KINDS[index], after, PAGE_SIZE)
        pages.append({"index": index, "after": after, "until": until})
        if until is not None:
            after = until
            continue
        position = ORDER.index(index) + 1
        if position == len(ORDER):
            return {"pages": pages, "next": None}
        index, after = ORDER[position], None
    return {"pages": pages, "next": {"index": index, "after": after}}


def every_page() -> Iterator[dict[str, Any]]:
    cursor: dict[str, Any] | None = None
    while True:
        planned = plan(cursor)
        yield from planned["pages"]
        cursor = planned["next"]
        if cursor is None:
            return
