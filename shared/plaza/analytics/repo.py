"""Analytics SQL: count what was created in a time range, write and read the rollup rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from plaza.stores import db

# Each metric counted from a table: the rows created in [start, end). Soft-deleted rows count
# (they were created): a rerun of a past hour then finds the same number.
_CREATED_SQL = """
SELECT
    (SELECT count(*) FROM users WHERE created_at >= %(start)s AND created_at < %(end)s) AS signups,
    (SELECT count(*) FROM posts WHERE created_at >= %(start)s AND created_at < %(end)s) AS posts,
    (SELECT count(*) FROM comments WHERE created_at >= %(start)s AND created_at < %(end)s)
        AS comments,
    (SELECT count(*) FROM likes WHERE created_at >= %(start)s AND created_at < %(end)s) AS likes,
    (SELECT count(*) FROM messages WHERE created_at >= %(start)s AND created_at < %(end)s)
        AS messages,
    (SELECT count(*) FROM conversations WHERE created_at >= %(start)s AND created_at < %(end)s)
        AS conversations,
    (SELECT count(*) FROM reports WHERE created_at >= %(start)s AND created_at < %(end)s) AS reports
"""
COUNTED_METRICS = ("signups", "posts", "comments", "likes", "messages", "conversations", "reports")


def created_between(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Rows created in [start, end) per counted metric, in one statement."""
    row = db.fetch_one(_CREATED_SQL, {"start": start, "end": end})
    assert row is not None
    return {metric: int(row[metric]) for metric in COUNTED_METRICS}


def open_reports_at(moment: dt.datetime) -> int:
    """Reports open at `moment`: filed before it and not resolved by then."""
    row = db.fetch_one(
        "SELECT count(*) AS n FROM reports WHERE created_at < %(at)s"
        " AND (resolved_at IS NULL OR resolved_at >= %(at)s)", {"at": moment})
    assert row is not None
    return int(row["n"])


def write(granularity: str, bucket: dt.datetime, values: Mapping[str, int]) -> None:
    """Insert or overwrite one bucket's metrics (a rerun rewrites them)."""
    if not values:
        return
    metrics = list(values)
    db.execute(
        "INSERT INTO analytics_rollups (granularity, metric, bucket, value)"
        " SELECT %(granularity)s, metric, %(bucket)s, value"
        " FROM unnest(%(metrics)s::text[], %(values)s::bigint[]) AS given (metric, value)"
        " ON CONFLICT (granularity, metric, bucket)"
        " DO UPDATE SET value = EXCLUDED.value, computed_at = now()",
        {"granularity": granularity, "bucket": bucket, "metrics": metrics,
         "values": [int(values[metric]) for metric in metrics]},
    )


def peak_of_hours(metric: str, start: dt.datetime, end: dt.datetime) -> int | None:
    """The largest hourly value of `metric` in [start, end), or None if no hour has one."""
    row = db.fetch_one(
        "SELECT max(value) AS peak FROM analytics_rollups WHERE granularity = 'hour'"
        " AND metric = %s AND bucket >= %s AND bucket < %s", (metric, start, end))
    return None if row is None or row["peak"] is None else int(row["peak"])


def read(granularity: str, metrics: Sequence[str], start: dt.datetime, end: dt.datetime,
         step_s: int) -> list[dict[str, Any]]:
    """The rows of these metrics with buckets in [start, end): metric, `i` (the bucket's index
    from `start` in steps of `step_s` seconds) and value, in no order. Indexes rather than
    timestamps: a year of 12 metrics is 4,380 rows, and parsing as many timestamps costs more
    than the query."""
    return db.fetch_all(
        "SELECT metric, (extract(epoch FROM bucket - %(start)s) / %(step)s)::int AS i, value"
        " FROM analytics_rollups WHERE granularity = %(granularity)s AND metric = ANY(%(metrics)s)"
        " AND bucket >= %(start)s AND bucket < %(end)s",
        {"granularity": granularity, "metrics": list(metrics), "start": start, "end": end,
         "step": step_s})
