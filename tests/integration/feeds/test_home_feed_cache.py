"""The read-through cache of home feeds' first pages: hits, invalidation on every write path, no
deleted or blocked post ever served from it, a stale racer's page ignored, Redis down."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from plaza import config
from plaza.feeds import home_cache, service
from plaza.models import PageQuery
from plaza.posts import service as posts
from plaza.posts.models import PostIn
from plaza.social import service as social
from plaza.stores import cache, db
from tests.integration.feeds.conftest import FanOut, Graph


def _first_page(viewer: str, limit: int = 20) -> list[str]:
    return [post.id for post in service.home_page(viewer, PageQuery(limit=limit)).items]


def _hit_ratios(capsys: pytest.CaptureFixture[str]) -> list[float]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if '"CacheHitRatio"' in line]
    return [line["CacheHitRatio"][0] for line in lines if line["cache"] == "home_feed"]


def _post_behind_the_cache(graph: Graph, author: str, reader: str) -> str:
    """A fanned-out post whose feed row is written without the cache hearing of it."""
    post = graph.post(author, "unannounced")
    db.execute("INSERT INTO home_feed_entries (user_id, created_at, post_id, author_id)"
               " SELECT %s, created_at, id, author_id FROM posts WHERE id = %s", (reader, post))
    return post


def test_a_second_read_of_the_first_page_is_a_cache_hit(
        graph: Graph, fan_out: FanOut, capsys: pytest.CaptureFixture[str]) -> None:
    reader, alice = graph.user("reader"), graph.user("alice")
    graph.follow(reader, alice)
    first = graph.post(alice)
    fan_out(first)
    capsys.readouterr()

    assert _first_page(reader) == [first]
    unannounced = _post_behind_the_cache(graph, alice, reader)
    assert _first_page(reader) == [first]  # served from the cache: the new row is not read
    assert _hit_ratios(capsys) == [0.0, 100.0]
    # Each page size is cached apart: this one is read from Postgres.
    assert _first_page(reader, limit=5) == [unannounced, first]


def test_cached_pages_show_live_counts(graph: Graph, fan_out: FanOut) -> None:
    reader, alice = graph.user("reader"), graph.user("alice")
    graph.follow(reader, alice)
    post = graph.post(alice)
    fan_out(post)
    _first_page(reader)
    posts.like(reader, post)

    (item,) = service.home_page(reader, PageQuery()).items
    assert item.like_count == 1 and item.liked_by_me is True


def test_a_fanout_batch_invalidates_the_pages_of_the_followers_it_wrote(
        graph: Graph, fan_out: FanOut, capsys: pytest.CaptureFixture[str]) -> None:
    reader, bystander, alice = graph.user("reader"), graph.user("bystander"), graph.user("alice")
    graph.follow(reader, alice)
    _first_page(reader), _first_page(bystander)
    post = graph.post(alice)
    fan_out(post)
    capsys.readouterr()

    assert _first_page(reader) == [post]
    assert _first_page(bystander) == []
    assert _hit_ratios(capsys) == [0.0, 100.0]  # only the reader's page was dropped


def test_a_retried_fanout_batch_writes_and_invalidates_nothing(
        graph: Graph, fan_out: FanOut) -> None:
    reader, alice = graph.user("reader"), graph.user("alice")
    graph.follow(reader, alice)
    post = graph.post(alice)
    assert fan_out(post) == 1
    version = cache.client().get(f"feed:home:v:{reader}")
    assert version is not None
    assert fan_out(post) == 0
    assert cache.client().get(f"feed:home:v:{reader}") == version


def test_the_authors_own_new_and_deleted_posts_invalidate_their_page(
        graph: Graph, fan_out: FanOut) -> None:
    author, alice = graph.user("author"), graph.user("alice")
    graph.follow(author, alice)
    assert _first_page(author) == []
    # Shown only once something drops the cached page: here and below, how invalidation shows.
    unannounced = _post_behind_the_cache(graph, alice, author)
    own = posts.create_post(author, PostIn(text="mine")).post.id
    assert _first_page(author) == [own, unannounced]

    later = _post_behind_the_cache(graph, alice, author)
    posts.delete_post(author, "user", own)
    assert _first_page(author) == [later, unannounced]


def test_unfollow_and_block_invalidate_the_page(graph: Graph, fan_out: FanOut) -> None:
    reader, alice, carol = graph.user("reader"), graph.user("alice"), graph.user("carol")
    graph.user("dave")
    for name in ("alice", "carol", "dave"):
        social.follow(reader, name)
    from_alice = graph.post(alice)
    fan_out(from_alice)
    from_carol = graph.post(carol)
    fan_out(from_carol)
    # A one-post page: alice's post is not on it, so only an invalidation can change it.
    assert _first_page(reader, limit=1) == [from_carol]

    first = _post_behind_the_cache(graph, carol, reader)
    social.unfollow(reader, "alice")
    assert _first_page(reader, limit=1) == [first]

    second = _post_behind_the_cache(graph, carol, reader)
    social.block(reader, "dave")
    assert _first_page(reader, limit=1) == [second]


def test_following_a_large_author_shows_their_posts_at_once(
        graph: Graph, fan_out: FanOut, feed_settings: Callable[..., None]) -> None:
    reader, celebrity = graph.user("reader"), graph.user("celebrity")
    graph.followers(celebrity, 3)
    feed_settings(fanout_follower_threshold=2)
    post = graph.post(celebrity)
    assert fan_out(post) == 0  # merged at read time: no fan-out, no bump
    assert _first_page(reader) == []
    social.follow(reader, "celebrity")
    assert _first_page(reader) == [post]


def test_a_post_deleted_behind_the_cache_is_never_served_from_it(
        graph: Graph, fan_out: FanOut) -> None:
    reader, alice = graph.user("reader"), graph.user("alice")
    graph.follow(reader, alice)
    kept, doomed = graph.post(alice, "kept"), graph.post(alice, "doomed")
    fan_out(kept), fan_out(doomed)
    assert _first_page(reader) == [doomed, kept]

    # No service call, so no invalidation: the cached ids still name the post.
    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (doomed,))
    assert _first_page(reader) == [kept]


def test_a_block_behind_the_cache_hides_the_blocked_users_posts_at_once(
        graph: Graph, fan_out: FanOut) -> None:
    reader, alice, bob = graph.user("reader"), graph.user("alice"), graph.user("bob")
    graph.follow(reader, alice)
    graph.follow(reader, bob)
    from_alice, from_bob = graph.post(alice), graph.post(bob)
    fan_out(from_alice), fan_out(from_bob)
    assert _first_page(reader, limit=1) == [from_bob]

    graph.block(bob, reader)  # the block row alone: nothing told the cache
    # Refilled from Postgres rather than one post short.
    assert _first_page(reader, limit=1) == [from_alice]


def test_a_page_cached_by_a_read_that_raced_a_write_is_not_served(
        graph: Graph, fan_out: FanOut) -> None:
    reader, alice = graph.user("reader"), graph.user("alice")
    graph.follow(reader, alice)
    old = graph.post(alice, "old")
    fan_out(old)
    lookup = home_cache.first_page(reader, 20)  # a read starts...
    new = graph.post(alice, "new")
    fan_out(new)  # ...a fan-out commits and bumps the version...
    assert lookup.version is not None
    home_cache.store_first_page(reader, 20, lookup.version,  # ...and the read caches its page
                                home_cache.CachedPage([old], None))

    assert _first_page(reader) == [new, old]


def test_with_redis_down_home_pages_stay_correct(
        graph: Graph, fan_out: FanOut, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    reader, alice = graph.user("reader"), graph.user("alice")
    graph.follow(reader, alice)
    first = graph.post(alice)
    fan_out(first)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.reset_settings()
    cache.reset()
    try:
        capsys.readouterr()
        assert _first_page(reader) == [first]
        second = posts.create_post(alice, PostIn(text="while Redis is down")).post.id
        assert fan_out(second) == 1  # the batch's bump fails open
        assert _first_page(reader) == [second, first]
        assert _hit_ratios(capsys) == [0.0, 0.0]
    finally:
        monkeypatch.undo()
        config.reset_settings()
        cache.reset()
