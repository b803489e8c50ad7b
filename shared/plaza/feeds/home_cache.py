"""Read-through Redis cache of home feeds' first pages: post ids in Redis, posts from Postgres.

Each user has a feed version key; a write that changes the user's feed sets it to a new random
token after its commit (a fan-out batch, the user's own post, follow/unfollow/block). A cached
page records the version it was read under and is served only while that is still current, so a
reader that raced a write can never cache the older page for later readers. Redis down: every
read is a miss and every bump is skipped (entries then live at most PAGE_TTL_S): fail open.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import Any, NamedTuple

from plaza import observability
from plaza.errors import Unavailable
from plaza.stores import cache
from plaza.stores.cache import Command

# Short: a large author's post (merged at read time, never fanned out, so no bump) and a bump
# lost to a Redis blip show up at most this late.
PAGE_TTL_S = 30
# Longer than a page lives: a version that expired reverts to "", and no page cached under ""
# may still be alive by then.
VERSION_TTL_S = 10 * PAGE_TTL_S


class CachedPage(NamedTuple):
    """A first page as cached: the ids in feed order and the cursor after them."""

    ids: list[str]
    next_cursor: str | None


class Lookup(NamedTuple):
    """What Redis held for a first page: the page (None on a miss) and the version to store
    a freshly read page under (None when Redis is unreachable: then nothing is stored)."""

    page: CachedPage | None
    version: str | None


def _version_key(user_id: str) -> str:
    return f"feed:home:v:{user_id}"


def _page_key(user_id: str, limit: int) -> str:
    return f"feed:home:page:{user_id}:{limit}"


def _texts(reply: list[Any]) -> list[str | None]:
    return [value.decode() if isinstance(value, bytes) else value for value in reply]


def count_read(hit: bool) -> None:
    # The metric the post and trending caches emit: its CloudWatch Average is the hit ratio.
    observability.count("CacheHitRatio", 100.0 if hit else 0.0, unit="Percent", cache="home_feed")


def first_page(user_id: str, limit: int) -> Lookup:
    """The user's cached first page of `limit` posts if still current; one round trip."""
    try:
        version, raw = cache.client().run(
            Command(("MGET", _version_key(user_id), _page_key(user_id, limit)), _texts))
    except Unavailable:
        return Lookup(None, None)
    version = version or ""
    if raw is None:
        return Lookup(None, version)
    stored: dict[str, Any] = json.loads(raw)
    if stored.get("v") != version:
        return Lookup(None, version)
    return Lookup(CachedPage(list(stored["ids"]), stored.get("next")), version)


def store_first_page(user_id: str, limit: int, version: str, page: CachedPage) -> None:
    """Cache a first page read from Postgres under the version read before it."""
    value = json.dumps({"v": version, "ids": page.ids, "next": page.next_cursor})
    try:
        cache.client().set(_page_key(user_id, limit), value, ex=PAGE_TTL_S)
    except Unavailable:
        observability.log_warning("home feed cache unreachable; page not cached", user_id=user_id)


def forget_home_pages(user_ids: Iterable[str]) -> None:
    """Invalidate the users' cached first pages; call after the write that changed them committed.

    One pipelined SET per user under a token fresh for this call (a fan-out batch's 2,500
    followers are one round trip). Fail-open: if Redis is down the write still stands and the
    pages expire within PAGE_TTL_S.
    """
    users = list(user_ids)
    if not users:
        return
    token = secrets.token_hex(8)
    try:
        batch = cache.client().batch(atomic=False)
        for user_id in users:
            batch.set(_version_key(user_id), token, ex=VERSION_TTL_S)
        batch.execute()
    except Unavailable:
        observability.log_warning("home feed cache unreachable; pages left to expire",
                                  users=len(users))
