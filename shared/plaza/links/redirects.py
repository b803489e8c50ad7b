"""GET /l/{code}'s lookup: the target of a live link, from Redis when the code is hot.

Every answer is cached for a while, unknown codes too (briefly, so a scan of random codes costs
the database one query per code per MISSING_TTL_S): `{u, e}` for a live link (target, expiry as
epoch seconds), `{g}` for a deleted one, `{n}` for none. Expiry is judged on each request, so a
cached link still expires on time. Creating, changing and deleting a link forget its entry; if
Redis is down then, the entry lives at most CACHE_TTL_S. Redis failing is no failure here: the
lookup goes to Postgres.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
from typing import Any

from plaza import errors, observability
from plaza.links import repo
from plaza.stores import cache

CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
CACHE_TTL_S = 300
MISSING_TTL_S = 30


def cache_key(code: str) -> str:
    return f"link:{code}"


def _entry(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"n": 1}
    if row["deleted_at"] is not None:
        return {"g": 1}
    expires: dt.datetime | None = row["expires_at"]
    return {"u": row["url"], "e": expires.timestamp() if expires else None}


def _cached(code: str) -> dict[str, Any] | None:
    try:
        text = cache.client().get(cache_key(code))
    except errors.Unavailable:
        return None
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _remember(code: str, entry: dict[str, Any]) -> None:
    with contextlib.suppress(errors.Unavailable):
        cache.client().set(cache_key(code), json.dumps(entry, separators=(",", ":")),
                           ex=MISSING_TTL_S if "n" in entry else CACHE_TTL_S)


def forget(code: str) -> None:
    """Drop the cached entry of `code` (after a write committed)."""
    try:
        cache.client().delete(cache_key(code))
    except errors.Unavailable:
        observability.log_warning("link cache entry not dropped: redis unreachable", code=code)


def target(code: str, now: float | None = None) -> str:
    """Where `code` redirects: NotFound for no such link, Gone for a deleted or expired one."""
    if not CODE.fullmatch(code):
        raise errors.NotFound("No such link")
    entry = _cached(code)
    if entry is None:
        entry = _entry(repo.find(code))
        _remember(code, entry)
    if "n" in entry:
        raise errors.NotFound("No such link")
    if "g" in entry:
        raise errors.Gone("This link was deleted")
    expires = entry.get("e")
    if expires is not None and (time.time() if now is None else now) >= float(expires):
        raise errors.Gone("This link has expired")
    return str(entry["u"])
