"""The hourly rollup against the real Postgres and Redis: counts per hour and day, active users
through HyperLogLog, socket peaks, and a rerun that rewrites the same numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plaza import errors
from plaza.analytics import activity, service
from plaza.analytics.models import AnalyticsQuery
from plaza.identity.gateway import Caller
from plaza.stores import db
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["make_user"]

HOUR = dt.datetime(2026, 12, 1, 14, tzinfo=dt.UTC)
MODERATOR = Caller("00000000-0000-0000-0000-00000000000a", "moderator", "device", "session")


def _at(minutes: int) -> dt.datetime:
    return HOUR + dt.timedelta(minutes=minutes)


def _post(author: str, at: dt.datetime) -> str:
    row = db.fetch_one("INSERT INTO posts (author_id, text, created_at) VALUES (%s, 'hi', %s)"
                       " RETURNING id::text AS id", (author, at))
    assert row is not None
    return str(row["id"])


def _rows(granularity: str) -> dict[str, int]:
    return {row["metric"]: row["value"] for row in db.fetch_all(
        "SELECT metric, value FROM analytics_rollups WHERE granularity = %s", (granularity,))}


@pytest.fixture
def activity_in_the_hour(make_user: MakeUser) -> dict[str, Any]:
    ann, bob, cat = (make_user(name) for name in ("ann", "bob", "cat"))
    db.execute("UPDATE users SET created_at = %s WHERE id = ANY(%s::uuid[])", (_at(5), [ann, bob]))
    db.execute("UPDATE users SET created_at = %s WHERE id = %s", (_at(-15 * 60), cat))
    inside = [_post(ann, _at(minute)) for minute in (1, 30, 59)]
    _post(ann, _at(60))  # the next hour
    _post(bob, _at(-1))  # the hour before
    db.execute("INSERT INTO likes (post_id, user_id, created_at) VALUES (%s, %s, %s),"
               " (%s, %s, %s)", (inside[0], bob, _at(10), inside[1], cat, _at(70)))
    db.execute("INSERT INTO comments (post_id, author_id, text, created_at)"
               " VALUES (%s, %s, 'nice', %s)", (inside[0], cat, _at(20)))
    conversation = db.fetch_one(
        "INSERT INTO conversations (kind, title, created_by, created_at)"
        " VALUES ('group', 't', %s, %s) RETURNING id", (ann, _at(15)))
    assert conversation is not None
    db.execute("INSERT INTO messages (conversation_id, seq, sender_id, client_msg_id, text,"
               " created_at) VALUES (%s, 1, %s, 'a', 'yo', %s), (%s, 2, %s, 'b', 'yo', %s)",
               (conversation["id"], ann, _at(16), conversation["id"], bob, _at(17)))
    # Requests the authorizer passed: ann three times, bob once this hour; cat two days before.
    for user, minutes in ((ann, 1), (ann, 2), (bob, 3), (ann, 40),
                          (cat, -48 * 60), (cat, 24 * 60 * 10)):
        activity.record_active(user, _at(minutes))
    return {"ann": ann, "bob": bob, "cat": cat}


def test_an_hour_rolls_up_counts_and_active_users_and_a_rerun_rewrites_the_same(
        activity_in_the_hour: dict[str, Any]) -> None:
    hourly, daily = service.rollup_hour(_at(25))
    assert hourly == {"signups": 2, "posts": 3, "comments": 1, "likes": 1, "messages": 2,
                      "conversations": 1, "reports": 0, "open_reports": 0, "dau": 2}
    assert daily["dau"] == 2 and daily["posts"] == 5 and daily["likes"] == 2
    assert daily["signups"] == 2  # cat signed up the day before
    # cat was active two days before: in the week and the month, not the day.
    assert (daily["wau"], daily["mau"]) == (3, 3)
    first = (_rows("hour"), _rows("day"))
    assert first[0]["posts"] == 3 and first[1]["wau"] == 3

    # A rerun later finds the same numbers and leaves one row per metric and bucket.
    again = service.rollup_hour(HOUR)
    assert again == (hourly, daily)
    assert (_rows("hour"), _rows("day")) == first
    assert db.fetch_one("SELECT count(*) AS n FROM analytics_rollups") == {"n": len(hourly) + len(daily)}


def test_hyperloglog_counts_distinct_users_per_day_week_and_month(
        activity_in_the_hour: dict[str, Any]) -> None:
    many = [f"user-{index}" for index in range(5000)]
    for user in many:
        activity.record_active(user, _at(30))
    day = HOUR.date()
    counted = activity.active_in_days(day, 1)
    assert abs(counted - 5002) / 5002 < 0.02  # HyperLogLog's error is ~0.81%
    # The week adds cat (active two days earlier). One more among 5,000 is inside HyperLogLog's
    # error, so the week is checked against its true size; cat's own day counts cat alone.
    assert abs(activity.active_in_days(day, 7) - 5003) / 5003 < 0.02
    assert activity.active_in_days(day - dt.timedelta(days=2), 1) == 1
    assert activity.active_in_days(day + dt.timedelta(days=10), 1) == 1  # cat only, ten days on


def test_socket_peaks_are_the_most_open_at_once_in_the_hour_and_day(clean_stores: Any) -> None:
    for _ in range(3):
        activity.connection_opened(_at(5))
    activity.connection_closed(_at(6))
    activity.connection_opened(_at(7))
    for _ in range(4):
        activity.connection_closed(_at(80))
    activity.connection_closed(_at(81))  # one more close than opens: the gauge stays at zero
    assert activity.live_connections() == 0
    assert activity.peak_connections(HOUR) == 3
    assert activity.peak_connections(HOUR + dt.timedelta(hours=1)) == 3  # open when it began
    hourly, daily = service.rollup_hour(HOUR)
    assert hourly["peak_connections"] == 3 and daily["peak_connections"] == 3


def test_the_series_has_a_value_or_null_per_bucket_and_refuses_bad_ranges(
        activity_in_the_hour: dict[str, Any]) -> None:
    service.rollup_hour(HOUR)
    page = service.series(MODERATOR, AnalyticsQuery.model_validate(
        {"metrics": "posts,dau", "granularity": "hour", "from": "2026-12-01T12:00:00Z",
         "to": "2026-12-01T16:00:00Z"}))
    assert [bucket.hour for bucket in page.buckets] == [12, 13, 14, 15]
    assert page.series == {"posts": [None, None, 3, None], "dau": [None, None, 2, None]}
    daily = service.series(MODERATOR, AnalyticsQuery.model_validate(
        {"metrics": "wau", "from": "2026-11-30", "to": "2026-12-01T08:00:00Z"}))
    assert daily.series == {"wau": [None, 3]}  # a partial last day is included

    with pytest.raises(errors.Invalid):
        service.series(MODERATOR, AnalyticsQuery.model_validate(
            {"metrics": "mau", "granularity": "hour"}))
    with pytest.raises(errors.Invalid):
        service.series(MODERATOR, AnalyticsQuery.model_validate(
            {"from": "2024-01-01", "to": "2026-01-01"}))
    with pytest.raises(errors.Invalid):
        service.series(MODERATOR, AnalyticsQuery.model_validate(
            {"from": "2026-12-02", "to": "2026-12-01"}))
    with pytest.raises(errors.Forbidden):
        service.series(Caller(MODERATOR.user_id, "user", "d", "s"), AnalyticsQuery())
