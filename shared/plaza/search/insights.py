"""Popular queries per day, counted in Redis: the normalised text only, never who searched."""

from __future__ import annotations

import datetime as dt

from plaza import observability
from plaza.errors import Unavailable
from plaza.search.models import TrendingQueries, TrendingQuery
from plaza.stores import cache

KEEP_DAYS = 8
TOP = 10
_MAX_COUNTED_CHARS = 100


def _key(day: dt.date) -> str:
    return f"search:queries:{day.isoformat()}"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def record(normalised: str, day: dt.date | None = None) -> None:
    """Count one search of `normalised`; a Redis outage never fails the search (fail open)."""
    if not normalised:
        return
    key = _key(day or _today())
    try:
        cache.client().batch(atomic=False).zincrby(key, 1, normalised[:_MAX_COUNTED_CHARS]) \
            .expire(key, KEEP_DAYS * 86400).execute()
    except Unavailable as error:
        observability.log_warning("search query not counted", error=str(error))


def top(day: dt.date | None = None, limit: int = TOP) -> list[tuple[str, int]]:
    scored = cache.client().zrevrange_with_scores(_key(day or _today()), 0, limit - 1)
    return [(query, int(count)) for query, count in scored]


def trending() -> TrendingQueries:
    return TrendingQueries(items=[TrendingQuery(query=query, count=count) for query, count in top()])
