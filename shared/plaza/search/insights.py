"""Popular and zero-result queries per day, counted in Redis: the normalised text only, never who
searched; kept 31 days."""

from __future__ import annotations

import datetime as dt

from plaza import observability
from plaza.errors import Unavailable
from plaza.search.models import (
    MAX_INSIGHT_DAYS,
    DayInsights,
    InsightsQuery,
    SearchInsights,
    TrendingQueries,
    TrendingQuery,
)
from plaza.stores import cache

KEEP_DAYS = 31
TOP = 10
_MAX_COUNTED_CHARS = 100


def _key(day: dt.date, board: str = "queries") -> str:
    return f"search:{board}:{day.isoformat()}"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def record(normalised: str, day: dt.date | None = None, board: str = "queries") -> None:
    """Count one search of `normalised` (board "zero": one that found nothing); a Redis outage
    never fails the search (fail open)."""
    if not normalised:
        return
    key = _key(day or _today(), board)
    try:
        cache.client().batch(atomic=False).zincrby(key, 1, normalised[:_MAX_COUNTED_CHARS]) \
            .expire(key, KEEP_DAYS * 86400).execute()
    except Unavailable as error:
        observability.log_warning("search query not counted", error=str(error))


def top(day: dt.date | None = None, limit: int = TOP,
        board: str = "queries") -> list[tuple[str, int]]:
    scored = cache.client().zrevrange_with_scores(_key(day or _today(), board), 0, limit - 1)
    return [(query, int(count)) for query, count in scored]


def trending() -> TrendingQueries:
    return TrendingQueries(items=[TrendingQuery(query=query, count=count) for query, count in top()])


def _board(day: dt.date, board: str) -> list[TrendingQuery]:
    return [TrendingQuery(query=query, count=count) for query, count in top(day, TOP, board)]


def report(query: InsightsQuery) -> SearchInsights:
    """Per day from `from` to `to`: the popular queries and those that found nothing."""
    last = query.to or _today()
    first = query.from_ or last
    days = [first + dt.timedelta(days=n) for n in range(min((last - first).days + 1,
                                                             MAX_INSIGHT_DAYS))]
    return SearchInsights(days=[DayInsights(date=day, popular=_board(day, "queries"),
                                            zero_results=_board(day, "zero")) for day in days])
