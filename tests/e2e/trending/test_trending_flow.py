"""Trending through the stack: a liked post rises, its hashtag trends, a follow recommends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from localcloud.embedded import EmbeddedStores
from localcloud.event_sources import EventSources
from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud

pytestmark = pytest.mark.e2e
Trio = tuple[SignedInApp, SignedInApp, SignedInApp]


@pytest.fixture
def apps(deployment: Deployment) -> Iterator[Trio]:
    suffix = uuid.uuid4().hex[:8]
    users = tuple(SignedInApp(deployment, f"{name}_{suffix}")
                  for name in ("ann", "ben", "cat"))
    yield users  # type: ignore[misc]
    for app in users:
        app.close()


@pytest.fixture
def fresh_snapshots(stores: EmbeddedStores) -> Iterator[None]:
    """Forget the cached rankings (30 s) other modules may have left, as if that time had passed."""
    client = redis.Redis.from_url(stores.redis_url)
    client.delete("trending:snapshot:posts", "trending:snapshot:hashtags")
    yield
    client.close()


def test_a_liked_post_trends_above_its_unliked_sibling_and_its_hashtag_trends(
        apps: Trio, fresh_snapshots: None) -> None:
    ann, ben, _ = apps
    tag = f"e2e{uuid.uuid4().hex[:10]}"
    liked = ann.post(f"liked #{tag}")
    quiet = ann.post("nobody likes this one")
    assert ben.http.put(f"/v1/posts/{liked}/like").status_code == 204

    trending = ben.http.get("/v1/feed/trending", params={"limit": 50})

    assert trending.status_code == 200, trending.text
    ids = [item["id"] for item in trending.json()["items"]]
    assert liked in ids and quiet in ids
    assert ids.index(liked) < ids.index(quiet)
    item = trending.json()["items"][ids.index(liked)]
    assert item["liked_by_me"] is True
    hashtags = ben.http.get("/v1/trending/hashtags", params={"limit": 50})
    assert hashtags.status_code == 200, hashtags.text
    assert tag in [entry["tag"] for entry in hashtags.json()["items"]]


def test_what_a_followee_liked_is_recommended_until_liked(apps: Trio) -> None:
    ann, ben, cat = apps
    post = ann.post("worth a look")
    assert cat.http.put(f"/v1/users/{ben.username}/follow").status_code == 204
    assert ben.http.put(f"/v1/posts/{post}/like").status_code == 204

    recommended = cat.http.get("/v1/feed/recommendations")
    assert recommended.status_code == 200, recommended.text
    assert [item["id"] for item in recommended.json()["items"]] == [post]

    assert cat.http.put(f"/v1/posts/{post}/like").status_code == 204
    assert cat.http.get("/v1/feed/recommendations").json()["items"] == []


def test_a_bad_cursor_is_a_422_problem(apps: Trio) -> None:
    ann, _, _ = apps
    answer = ann.http.get("/v1/feed/trending", params={"cursor": "not-ours"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_write_back_schedule_seeds_the_redis_counts_of_liked_posts(
        apps: Trio, main_cloud: RunningCloud, stores: EmbeddedStores) -> None:
    ann, ben, cat = apps
    post = ann.post("count me")
    for app in (ben, cat):
        assert app.http.put(f"/v1/posts/{post}/like").status_code == 204
    sources = next(c for c in main_cloud.cloud.components if isinstance(c, EventSources))

    result = main_cloud.run(sources.trigger_schedule("TrendingWriteBackCountsFunction"))

    # The every-minute run may have taken the post already; either way its counts are seeded.
    assert isinstance(result["posts"], int)
    client = redis.Redis.from_url(stores.redis_url, decode_responses=True)
    try:
        assert client.hgetall(f"trending:counts:{post}") == {"likes": "2", "comments": "0"}
    finally:
        client.close()
    assert ben.http.get(f"/v1/posts/{post}").json()["like_count"] == 2
