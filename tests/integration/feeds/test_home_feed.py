"""GET /v1/feed/home's service: followed and own posts newest first, hybrid merge, removal on
delete / unfollow / block, and pages that stay stable while new posts arrive."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from plaza import errors
from plaza.feeds import service
from plaza.models import PageQuery
from plaza.social import service as social
from plaza.stores import db
from tests.integration.feeds.conftest import FanOut, Graph


def _home(viewer: str, limit: int = 100, cursor: str | None = None) -> tuple[list[str], str | None]:
    page = service.home_page(viewer, PageQuery(limit=limit, cursor=cursor))
    return [post.id for post in page.items], page.next_cursor


def _everything(viewer: str, limit: int) -> list[str]:
    ids, cursor = _home(viewer, limit)
    while cursor is not None:
        more, cursor = _home(viewer, limit, cursor)
        ids += more
    return ids


def test_home_shows_followed_and_own_posts_newest_first(graph: Graph, fan_out: FanOut) -> None:
    reader, alice, stranger = graph.user("reader"), graph.user("alice"), graph.user("stranger")
    graph.follow(reader, alice)
    posts = []
    for author in (alice, reader, stranger, alice):
        posts.append(graph.post(author, visibility="followers"))
        fan_out(posts[-1])
    ids, cursor = _home(reader)
    assert ids == [posts[3], posts[1], posts[0]] and cursor is None
    page = service.home_page(reader, PageQuery())
    assert page.items[0].author.username == "alice" and page.items[0].visibility == "followers"


def test_large_authors_posts_are_merged_at_read_time_without_duplicates(
        graph: Graph, fan_out: FanOut, feed_settings: Callable[..., None]) -> None:
    reader, celebrity, friend = graph.user("reader"), graph.user("celebrity"), graph.user("friend")
    graph.follow(reader, celebrity)
    graph.follow(reader, friend)
    before = graph.post(celebrity, "fanned out while small")
    fan_out(before)
    graph.followers(celebrity, 3)
    feed_settings(fanout_follower_threshold=3)
    big_posts = [graph.post(celebrity, f"big {n}") for n in range(3)]
    friend_post = graph.post(friend)
    for post in (*big_posts, friend_post):
        fan_out(post)
    assert graph.feed_rows(big_posts[0]) == set()

    assert _everything(reader, limit=2) == [friend_post, *reversed(big_posts), before]


def test_deleting_a_post_removes_it_from_every_feed(graph: Graph, fan_out: FanOut) -> None:
    author = graph.user("author")
    readers = graph.followers(author, 3)
    kept, deleted = graph.post(author, "kept"), graph.post(author, "deleted")
    fan_out(kept)
    fan_out(deleted)
    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (deleted,))
    assert graph.feed_rows(deleted) == set()
    assert graph.feed_rows(kept) == set(readers)
    assert _home(readers[0])[0] == [kept]
    assert _home(author)[0] == [kept]


def test_unfollowing_removes_the_authors_posts_from_the_feed(graph: Graph,
                                                            fan_out: FanOut) -> None:
    reader, alice, bob = graph.user("reader"), graph.user("alice"), graph.user("bob")
    graph.follow(reader, alice)
    graph.follow(reader, bob)
    alice_post, bob_post = graph.post(alice), graph.post(bob)
    fan_out(alice_post)
    fan_out(bob_post)
    social.unfollow(reader, "alice")
    assert graph.feed_rows(alice_post) == set()
    assert _home(reader)[0] == [bob_post]


def test_blocked_users_posts_never_show_either_way(graph: Graph, fan_out: FanOut) -> None:
    reader, blocker = graph.user("reader"), graph.user("blocker")
    graph.follow(reader, blocker)
    shown = graph.post(blocker)
    fan_out(shown)
    social.block(blocker, "reader")
    assert _home(reader)[0] == []
    # A fan-out racing the block, from a follow made before it: the read still hides the post.
    graph.follow(reader, blocker)
    raced = graph.post(blocker)
    fan_out(raced)
    assert graph.feed_rows(raced) == set()
    db.execute("INSERT INTO home_feed_entries (user_id, created_at, post_id, author_id)"
               " SELECT %s, created_at, id, author_id FROM posts WHERE id = %s", (reader, raced))
    assert _home(reader)[0] == []


def test_pages_stay_stable_while_new_posts_arrive(graph: Graph, fan_out: FanOut) -> None:
    reader, alice, bob = graph.user("reader"), graph.user("alice"), graph.user("bob")
    graph.follow(reader, alice)
    graph.follow(reader, bob)
    older = []
    for n in range(25):
        older.append(graph.post(alice if n % 2 else bob, f"old {n}"))
        fan_out(older[-1])

    seen, cursor = _home(reader, limit=7)
    while cursor is not None:
        for author in (alice, bob):  # new posts land between every two page requests
            fan_out(graph.post(author, "new"))
        more, cursor = _home(reader, limit=7, cursor=cursor)
        seen += more

    assert seen == list(reversed(older))  # no duplicates, no gaps, none of the new ones


def test_a_cursor_that_is_not_ours_is_invalid(graph: Graph) -> None:
    reader = graph.user("reader")
    with pytest.raises(errors.Invalid) as raised:
        service.home_page(reader, PageQuery(cursor="bm90LWEtY3Vyc29y"))
    assert raised.value.status == 422
    with pytest.raises(ValidationError):
        PageQuery(limit=101)
