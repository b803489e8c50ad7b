"""Trending rules: recording engagement (never failing the caller), boards, recommendations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from plaza import observability
from plaza.trending import scores


def record_engagement(post_id: str, kind: str, hashtags: Iterable[str] = (),
                      at: dt.datetime | float | None = None) -> bool:
    """Count a post's creation, a like/unlike or a comment/uncomment towards trending.

    kind: "post", "like", "unlike", "comment" or "uncomment"; hashtags: the post's tags (without
    '#'); at: when it happened (default now). Fail-open: trending is a nice-to-have, a like must
    never fail because Redis is down or slow — any error is logged and counted
    (metric TrendingRecordFailed) and False returned. Call it after the engagement committed.
    """
    try:
        when = at.timestamp() if isinstance(at, dt.datetime) else at
        scores.record(str(post_id), kind, hashtags, when)
        return True
    except Exception as error:  # noqa: BLE001 - fail-open by contract, see docstring
        try:
            observability.log_warning("trending engagement not recorded", post_id=str(post_id),
                                      kind=kind, error=repr(error))
            observability.count("TrendingRecordFailed")
        except Exception:  # noqa: BLE001, S110 - logging must not turn fail-open into fail
            pass
        return False
