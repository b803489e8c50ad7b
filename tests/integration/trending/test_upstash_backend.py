"""The trending Redis structures through Upstash's REST protocol, the backend AWS stages use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plaza import config
from plaza.stores import cache
from plaza.trending import scores
from plaza.trending.service import record_engagement
from tests.support.upstash_endpoint import UpstashEndpoint

NOW = 1_800_000_000.0
HOUR = 3600.0


@pytest.fixture
def upstash(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    endpoint = UpstashEndpoint(redis_url).start()
    monkeypatch.setenv("UPSTASH_REDIS_REST_URL", endpoint.url)
    monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", endpoint.token)
    config.reset_settings()
    cache.reset()
    assert cache.client().backend == "upstash"
    yield
    cache.reset()
    endpoint.stop()


def test_scores_hashtags_and_counters_work_over_upstash(upstash: None) -> None:
    assert record_engagement("old", "like", hashtags=["tag"], at=NOW - 6 * HOUR) is True
    record_engagement("new", "comment", hashtags=["tag", "other"], at=NOW)

    ranked = scores.top_posts(0, -1)
    assert [post for post, _ in ranked] == ["new", "old"]
    assert scores.decayed(ranked[1][1], NOW) == pytest.approx(0.5)
    assert dict(scores.top_hashtags(10, now=NOW)) == {
        "tag": pytest.approx(3.25, rel=1e-6), "other": pytest.approx(3.0, rel=1e-6)}

    assert scores.claim_dirty(10) == ["new", "old"]
    scores.seed_counts([("new", 0, 1), ("old", 1, 0)])
    scores.release_dirty()
    record_engagement("old", "like", at=NOW)
    assert scores.cached_counts(["new", "old", "none"]) == {"new": (0, 1), "old": (2, 0)}
    assert scores.claim_dirty(10) == ["old"]
