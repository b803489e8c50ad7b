"""The hourly rollup and the analytics the back office reads.

`rollup_hour` writes one UTC hour's numbers and its day's (so far) into analytics_rollups,
overwriting what a previous run wrote: rerunning an hour rewrites the same numbers (a finished
hour's counts no longer move; the day's move until the day ends, then stay). Counts of created
rows come from Postgres; active users and socket peaks from Redis (plaza.analytics.activity).
When Redis cannot answer, the rollup writes what Postgres counted and leaves the Redis-backed
rows as they were, rather than writing zeros over them.
"""

from __future__ import annotations

import datetime as dt

from plaza import errors, observability
from plaza.analytics import activity, repo
from plaza.analytics.models import (
    DAILY_ONLY,
    DEFAULT_BUCKETS,
    MAX_BUCKETS,
    AnalyticsQuery,
    AnalyticsSeries,
    RollupResult,
)
from plaza.identity.gateway import Caller, require_role
from plaza.stores import cache, db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
STEP = {"hour": HOUR, "day": DAY}


def hour_start(at: dt.datetime) -> dt.datetime:
    at = at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def day_start(at: dt.datetime) -> dt.datetime:
    return hour_start(at).replace(hour=0)


def hours_to_roll(now: dt.datetime) -> list[dt.datetime]:
    """What an hourly run covers: the hour that just ended and the current one so far."""
    current = hour_start(now)
    return [current - HOUR, current]


def rollup(hours: list[dt.datetime]) -> RollupResult:
    result = RollupResult(hours=[], hourly={}, daily={})
    for hour in hours:
        hourly, daily = rollup_hour(hour)
        start = hour_start(hour)
        result.hours.append(start)
        result.hourly[start.isoformat()] = hourly
        result.daily[day_start(start).date().isoformat()] = daily
    return result


def rollup_hour(hour: dt.datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Write the hour's metrics and its day's; both as written."""
    start = hour_start(hour)
    day = day_start(start)
    hourly = repo.created_between(start, start + HOUR)
    daily = repo.created_between(day, day + DAY)
    hourly["open_reports"] = repo.open_reports_at(start + HOUR)
    daily["open_reports"] = repo.open_reports_at(day + DAY)
    try:
        hourly["dau"] = activity.active_in_hour(start)
        daily["dau"] = activity.active_in_days(day.date(), 1)
        daily["wau"] = activity.active_in_days(day.date(), 7)
        daily["mau"] = activity.active_in_days(day.date(), 30)
        peak = activity.peak_connections(start)
        if peak is None and start == hour_start(dt.datetime.now(dt.UTC)) - HOUR:
            # No socket opened or closed all hour: those open at its end were open throughout.
            peak = activity.live_connections()
        if peak is not None:
            hourly["peak_connections"] = peak
    except (errors.Unavailable, cache.CommandError) as error:
        observability.log_warning("rollup without Redis: active users and peaks kept as they were",
                                  error=str(error), hour=start.isoformat())
    with db.transaction():
        repo.write("hour", start, hourly)
        day_peak = repo.peak_of_hours("peak_connections", day, day + DAY)
        if day_peak is not None:
            daily["peak_connections"] = day_peak
        repo.write("day", day, daily)
    return hourly, daily


def series(caller: Caller, query: AnalyticsQuery) -> AnalyticsSeries:
    """The metrics asked for, one value per bucket of the range (moderators and admins)."""
    require_role(caller, "moderator")
    granularity = query.granularity
    metrics = query.metric_names()
    if granularity == "hour" and (daily := [name for name in metrics if name in DAILY_ONLY]):
        raise errors.Invalid(
            f"{', '.join(daily)} are daily: ask with granularity=day",
            errors=[{"field": "query.metrics", "type": "daily_only",
                     "message": f"{', '.join(daily)} exist per day only"}])
    step = STEP[granularity]
    floor = hour_start if granularity == "hour" else day_start
    if query.to is None:
        end = floor(dt.datetime.now(dt.UTC)) + step  # the current bucket, so far, included
    else:
        end = floor(query.to)
        end += step if end != _utc(query.to) else dt.timedelta()  # a partial bucket counts
    start = floor(query.from_) if query.from_ else end - step * DEFAULT_BUCKETS[granularity]
    if start >= end:
        raise errors.Invalid("`from` must be before `to`", errors=[
            {"field": "query.from", "type": "range", "message": "must be before `to`"}])
    buckets = int((end - start) / step)
    if buckets > MAX_BUCKETS[granularity]:
        raise errors.Invalid(
            f"At most {MAX_BUCKETS[granularity]} {granularity}s per request", errors=[
                {"field": "query.from", "type": "range",
                 "message": f"the range spans {buckets} {granularity}s; "
                            f"at most {MAX_BUCKETS[granularity]}"}])
    times = [start + step * index for index in range(buckets)]
    values: dict[str, list[int | None]] = {name: [None] * buckets for name in metrics}
    for row in repo.read(granularity, metrics, start, end, int(step.total_seconds())):
        if 0 <= row["i"] < buckets:
            values[row["metric"]][row["i"]] = int(row["value"])
    return AnalyticsSeries(granularity=granularity, from_=start, to=end, buckets=times,
                           series=values)


def _utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)
