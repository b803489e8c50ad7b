"""Trending hashtags: decayed engagement within the last 24 h (injected clock), Redis down."""

from __future__ import annotations

import pytest

from plaza import config
from plaza.stores import cache, db
from plaza.trending import scores, service
from plaza.trending.service import record_engagement

NOW = 1_800_000_000.0
HOUR = 3600.0


def test_engagement_older_than_24_hours_no_longer_counts():
    record_engagement("p1", "like", hashtags=["fresh"], at=NOW - 23 * HOUR)
    record_engagement("p2", "like", hashtags=["stale"], at=NOW - 25 * HOUR)

    assert [tag for tag, _ in scores.top_hashtags(10, now=NOW)] == ["fresh"]


def test_older_engagement_counts_less_within_the_window():
    for _ in range(3):
        record_engagement("p1", "like", hashtags=["morning"], at=NOW - 9 * HOUR)
    record_engagement("p2", "like", hashtags=["now"], at=NOW)

    ranked = dict(scores.top_hashtags(10, now=NOW))

    assert list(ranked) == ["now", "morning"]
    # Three likes three half-lives (3 h each) ago are worth 3/8 of a like now.
    assert ranked["morning"] == pytest.approx(3 / 8, rel=1e-6)
    assert ranked["now"] == pytest.approx(1.0, rel=1e-6)


def test_tags_are_case_insensitive_and_a_post_counts_once_per_tag():
    record_engagement("p1", "comment", hashtags=["Python", "python"], at=NOW)

    assert scores.top_hashtags(10, now=NOW) == [("python", pytest.approx(3.0))]


def test_unliked_engagement_leaves_the_list():
    record_engagement("p1", "like", hashtags=["gone"], at=NOW)
    record_engagement("p1", "unlike", hashtags=["gone"], at=NOW)

    assert scores.top_hashtags(10, now=NOW) == []


def test_the_route_service_returns_todays_tags_best_first():
    record_engagement("p1", "like", hashtags=["second"])
    record_engagement("p2", "comment", hashtags=["first"])

    assert [item.tag for item in service.trending_hashtags(10).items] == ["first", "second"]


def test_with_redis_down_hashtags_fall_back_to_uses_in_postgres(make_user, make_post, monkeypatch):
    author = make_user("author")
    for tags in (("busy",), ("busy", "quiet")):
        post = make_post(author, hashtags=tags)
        db.execute("INSERT INTO hashtags (tag) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                   (list(tags),))
        db.execute("INSERT INTO post_hashtags (tag, post_id, created_at)"
                   " SELECT unnest(%s::text[]), %s, now()", (list(tags), post))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.reset_settings()
    cache.reset()

    items = service.trending_hashtags(10).items

    assert [(item.tag, item.score) for item in items] == [("busy", 2.0), ("quiet", 1.0)]
