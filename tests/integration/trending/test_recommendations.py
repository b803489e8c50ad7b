"""Recommendations: what followees liked, minus the caller's own, liked, followed and blocked."""

from __future__ import annotations

import pytest

from plaza import config
from plaza.stores import cache
from plaza.trending import service
from plaza.trending.models import RankedPageQuery
from tests.integration.trending.conftest import block, follow, like


@pytest.fixture
def graph(make_user):
    names = ("me", "friend", "pal", "stranger", "followed", "blocker")
    users = {name: make_user(name) for name in names}
    follow(users["me"], users["friend"])
    follow(users["me"], users["pal"])
    follow(users["me"], users["followed"])
    return users


def _ids(page) -> list[str]:
    return [post.id for post in page.items]


def test_posts_liked_by_more_followees_come_first_then_newest(graph, make_post):
    once = make_post(graph["stranger"], "liked by one")
    twice = make_post(graph["stranger"], "liked by two")
    newer = make_post(graph["stranger"], "liked by one, later")
    like(once, graph["friend"])
    like(twice, graph["friend"])
    like(twice, graph["pal"])
    like(newer, graph["pal"])

    page = service.recommendations_page(graph["me"], RankedPageQuery())

    assert _ids(page) == [twice, newer, once]


def test_own_liked_followed_blocked_and_private_posts_are_never_recommended(graph, make_post):
    mine = make_post(graph["me"], "mine")
    liked = make_post(graph["stranger"], "already liked")
    followed = make_post(graph["followed"], "in my home feed")
    blocked = make_post(graph["blocker"], "from a blocker")
    private = make_post(graph["stranger"], "followers only", visibility="followers")
    fresh = make_post(graph["stranger"], "new to me")
    for post in (mine, liked, followed, blocked, private, fresh):
        like(post, graph["friend"])
    like(liked, graph["me"])
    block(graph["blocker"], graph["me"])

    assert _ids(service.recommendations_page(graph["me"], RankedPageQuery())) == [fresh]


def test_a_post_liked_after_the_list_was_cached_drops_out(graph, make_post):
    post = make_post(graph["stranger"])
    like(post, graph["friend"])
    assert _ids(service.recommendations_page(graph["me"], RankedPageQuery())) == [post]

    like(post, graph["me"])

    assert _ids(service.recommendations_page(graph["me"], RankedPageQuery())) == []


def test_pages_are_bounded_and_walk_the_list(graph, make_post):
    posts = [make_post(graph["stranger"], f"p{i}") for i in range(3)]
    for post in posts:
        like(post, graph["friend"])

    first = service.recommendations_page(graph["me"], RankedPageQuery(limit=2))
    second = service.recommendations_page(graph["me"],
                                          RankedPageQuery(limit=2, cursor=first.next_cursor))

    assert sorted(_ids(first) + _ids(second)) == sorted(posts)
    assert len(first.items) == 2 and second.next_cursor is None


def test_recommendations_need_no_redis(graph, make_post, monkeypatch):
    post = make_post(graph["stranger"])
    like(post, graph["friend"])
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.reset_settings()
    cache.reset()

    assert _ids(service.recommendations_page(graph["me"], RankedPageQuery())) == [post]
