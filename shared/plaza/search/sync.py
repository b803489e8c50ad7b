"""Index events from SearchIndexQueue: keep Meilisearch's copy of users, posts and hashtags.

On the Postgres backend the tables are the index (generated tsvector columns, migration 0040):
an event needs no work there. With Meilisearch configured, each event re-reads the document's
current state from Postgres under a lock on its version row (migration 0041) and upserts it, or
deletes it when it is gone or hidden (deleted post, suspended author or user). Events carry no
document, only its id, so a late event can only ever write the latest state.
"""

from __future__ import annotations

import re
from typing import Any

from plaza.search import index_settings, repo
from plaza.stores import db
from plaza.stores import search as store

INDEXES = {"post": "posts", "user": "users", "hashtag": "hashtags"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class BadEvent(ValueError):
    """An event no retry can fix: dropped and counted, not retried."""


def _subject(event: dict[str, Any]) -> tuple[str, str, str]:
    kind, action = event.get("kind"), event.get("action", "index")
    if kind not in INDEXES or action not in ("index", "delete"):
        raise BadEvent(f"unknown kind or action: {kind!r}, {action!r}")
    subject = event.get("id") or event.get(f"{kind}_id") or event.get("tag")
    if not isinstance(subject, str) or not subject:
        raise BadEvent("the event names no document")
    if kind != "hashtag" and not _UUID.match(subject):
        raise BadEvent(f"not an id: {subject!r}")
    return kind, action, subject


def doc_id(kind: str, subject: str) -> str:
    # Meilisearch ids are [A-Za-z0-9_-]: a hashtag may hold any letter, so it goes as hex.
    return subject.encode().hex() if kind == "hashtag" else subject


def handle(event: dict[str, Any]) -> str:
    """What the event did: "postgres" (nothing to do), "indexed" or "deleted"."""
    kind, action, subject = _subject(event)
    if not store.meilisearch_configured():
        return "postgres"
    index_settings.apply_once()
    index, key = INDEXES[kind], doc_id(kind, subject)
    with db.transaction():
        version = repo.claim_version(index, key)
        document = repo.document(kind, subject) if action == "index" else None
        if document is None:
            store.delete_from_meilisearch(index, [key])
            return "deleted"
        store.index_in_meilisearch(index, [{**document, "id": key, "version": version}])
    return "indexed"


def reindex() -> dict[str, int]:
    """Every live user, post and hashtag through `handle`, one by one; counts per kind.

    The simple full reindex (a CLI or a test seeds Meilisearch with it); documents of the gone
    are not swept here.
    """
    done = {}
    for kind in INDEXES:
        keys = repo.every_key(kind)
        for key in keys:
            handle({"kind": kind, "action": "index", "id": key})
        done[kind] = len(keys)
    return done
