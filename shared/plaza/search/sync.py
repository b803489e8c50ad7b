"""Index events from SearchIndexQueue: keep Meilisearch's copy of users, posts and hashtags.

On the Postgres backend the tables are the index (generated tsvector columns, migration 0040):
an event needs no work there. With Meilisearch configured, each event re-reads the documents'
current state from Postgres under a lock on their version rows (migration 0041) and upserts
them, or deletes them when gone or hidden (deleted post, suspended author or user, a tag no live
public post carries). Events carry no document, only ids, so a late event can only ever write
the latest state. plaza.search.reindex writes whole pages through the same `write`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from plaza.search import index_settings, repo
from plaza.stores import db
from plaza.stores import search as store

INDEXES = {"post": "posts", "user": "users", "hashtag": "hashtags"}
KINDS = {index: kind for kind, index in INDEXES.items()}
MAX_TAGS = 60  # per hashtag event: a post's tags, old and new (posts carry at most 30)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class BadEvent(ValueError):
    """An event no retry can fix: dropped and counted, not retried."""


def _subjects(event: dict[str, Any]) -> tuple[str, str, list[str]]:
    kind, action = event.get("kind"), event.get("action", "index")
    if kind not in INDEXES or action not in ("index", "delete"):
        raise BadEvent(f"unknown kind or action: {kind!r}, {action!r}")
    if kind == "hashtag" and "tags" in event:
        # One event for every tag a write touched (a post's, old and new): batched, not per tag.
        tags = event["tags"]
        if (not isinstance(tags, list) or not 0 < len(tags) <= MAX_TAGS
                or not all(isinstance(tag, str) and 0 < len(tag) <= 100 for tag in tags)):
            raise BadEvent(f"tags must be 1..{MAX_TAGS} hashtags")
        return kind, action, list(dict.fromkeys(tags))
    subject = event.get("id") or event.get(f"{kind}_id") or event.get("tag")
    if not isinstance(subject, str) or not subject:
        raise BadEvent("the event names no document")
    if kind != "hashtag" and not _UUID.match(subject):
        raise BadEvent(f"not an id: {subject!r}")
    return kind, action, [subject]


def doc_id(kind: str, subject: str) -> str:
    # Meilisearch ids are [A-Za-z0-9_-]: a hashtag may hold any letter, so it goes as hex.
    return subject.encode().hex() if kind == "hashtag" else subject


def write(kind: str, subjects: Iterable[str], also_ids: Iterable[str] = (),
          read: bool = True) -> tuple[int, int]:
    """Make Meilisearch hold the current state of `subjects` (and of the documents `also_ids`
    names, which are deleted unless a subject has that id): one transaction that locks their
    version rows in order, reads them, and upserts or deletes; (upserted, deleted)."""
    index = INDEXES[kind]
    by_id = {doc_id(kind, subject): subject for subject in subjects}
    ids = list(by_id) + [each for each in also_ids if each not in by_id]
    if not ids:
        return 0, 0
    with db.transaction():
        versions = repo.claim_versions(index, ids)
        found = repo.documents(kind, list(by_id.values())) if read else {}
        upserts = [{**document, "id": doc_id(kind, key), "version": versions[doc_id(kind, key)]}
                   for key, document in found.items()]
        kept = {each["id"] for each in upserts}
        gone = [each for each in ids if each not in kept]
        if upserts:
            store.index_in_meilisearch(index, upserts)
        if gone:
            store.delete_from_meilisearch(index, gone)
    return len(upserts), len(gone)


def handle(event: dict[str, Any]) -> str:
    """What the event did: "postgres" (nothing to do), "indexed" or "deleted" (for a batch of
    tags, "indexed" when any was)."""
    kind, action, subjects = _subjects(event)
    if not store.meilisearch_configured():
        return "postgres"
    index_settings.apply_once()
    upserted, _ = write(kind, subjects, read=action == "index")
    return "indexed" if upserted else "deleted"


def reindex() -> dict[str, int]:
    """Every document, page by page, in this process (tests; `make reindex` shows progress):
    documents upserted per index."""
    from plaza.search import reindex as full

    return {index: done.upserted for index, done in full.run_all().items()}
