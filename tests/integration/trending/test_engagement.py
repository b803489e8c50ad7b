"""record_engagement against the real Redis: decayed scores, counters, and failing open."""

from __future__ import annotations

import pytest

from plaza import config
from plaza.stores import cache
from plaza.trending import scores
from plaza.trending.service import record_engagement

NOW = 1_800_000_000.0
HOUR = 3600.0


def test_older_engagement_counts_less_than_the_same_engagement_now():
    record_engagement("old", "like", at=NOW - 12 * HOUR)
    record_engagement("old", "like", at=NOW - 12 * HOUR)
    record_engagement("new", "like", at=NOW)

    ranked = scores.top_posts(0, -1)

    assert [post for post, _ in ranked] == ["new", "old"]
    worth = {post: scores.decayed(score, NOW) for post, score in ranked}
    # Two likes two half-lives ago are worth half a like now.
    assert worth["old"] == pytest.approx(0.5)
    assert worth["new"] == pytest.approx(1.0)


def test_scores_add_up_and_unlikes_take_back_at_todays_value():
    for _ in range(3):
        record_engagement("p", "like", at=NOW)
    record_engagement("p", "comment", at=NOW)
    record_engagement("p", "unlike", at=NOW)

    (post, score), = scores.top_posts(0, -1)
    assert post == "p"
    assert scores.decayed(score, NOW) == pytest.approx(3 + 3 - 1)


def test_like_then_unlike_leaves_no_score_behind():
    record_engagement("p", "like", at=NOW)
    record_engagement("p", "unlike", at=NOW)

    assert scores.top_posts(0, -1) == []


def test_scores_stay_finite_centuries_after_the_epoch():
    far = NOW + 300 * 365 * 24 * HOUR
    record_engagement("p", "like", at=far)
    record_engagement("p", "like", at=far)

    (_, score), = scores.top_posts(0, -1)
    assert scores.decayed(score, far) == pytest.approx(2.0)


def test_recording_returns_false_and_does_not_raise_when_redis_is_down(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.reset_settings()
    cache.reset()

    assert record_engagement("p", "like", hashtags=["x"]) is False
    assert record_engagement("p", "no-such-kind") is False
