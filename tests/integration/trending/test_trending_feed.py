"""GET /v1/feed/trending's service: decayed ranking, hidden posts, snapshot paging, Redis down."""

from __future__ import annotations

import json
import time

import pytest

from plaza import config, errors
from plaza.stores import cache, db
from plaza.trending import service
from plaza.trending.models import RankedPageQuery
from plaza.trending.service import record_engagement
from tests.integration.trending.conftest import block

HOUR = 3600.0


def _ids(page) -> list[str]:
    return [post.id for post in page.items]


def test_recent_engagement_outranks_more_but_older_engagement(make_user, make_post):
    author, viewer = make_user("author"), make_user("viewer")
    old, new = make_post(author, "old"), make_post(author, "new")
    now = time.time()
    for _ in range(3):
        record_engagement(old, "like", at=now - 24 * HOUR)  # 3 likes, 4 half-lives ago
    record_engagement(new, "like", at=now)

    page = service.trending_page(viewer, RankedPageQuery())

    assert _ids(page) == [new, old]


def test_deleted_posts_blocked_authors_and_followers_only_posts_are_left_out(make_user, make_post):
    author, blocker, viewer = make_user("author"), make_user("blocker"), make_user("viewer")
    shown = make_post(author, "shown")
    deleted = make_post(author, "deleted")
    private = make_post(author, "private", visibility="followers")
    by_blocker = make_post(blocker, "blocked")
    for post in (shown, deleted, private, by_blocker):
        record_engagement(post, "like")
    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (deleted,))
    block(blocker, viewer)

    assert _ids(service.trending_page(viewer, RankedPageQuery())) == [shown]
    # The blocker's post is trending for people it is not hidden from.
    assert set(_ids(service.trending_page(author, RankedPageQuery()))) == {shown, by_blocker}


def test_a_post_deleted_after_the_snapshot_was_cached_is_hidden_at_once(make_user, make_post):
    author, viewer = make_user("author"), make_user("viewer")
    post = make_post(author)
    record_engagement(post, "like")
    assert _ids(service.trending_page(viewer, RankedPageQuery())) == [post]

    db.execute("UPDATE posts SET deleted_at = now() WHERE id = %s", (post,))

    assert _ids(service.trending_page(viewer, RankedPageQuery())) == []


def test_pages_walk_the_ranking_without_repeats_and_end_with_a_null_cursor(make_user, make_post):
    author, viewer = make_user("author"), make_user("viewer")
    posts = [make_post(author, f"p{i}") for i in range(5)]
    now = time.time()
    for rank, post in enumerate(posts):
        record_engagement(post, "like", at=now - rank * HOUR)

    first = service.trending_page(viewer, RankedPageQuery(limit=2))
    second = service.trending_page(viewer, RankedPageQuery(limit=2, cursor=first.next_cursor))
    third = service.trending_page(viewer, RankedPageQuery(limit=2, cursor=second.next_cursor))

    assert _ids(first) + _ids(second) + _ids(third) == posts
    assert third.next_cursor is None


def test_a_cursor_this_api_did_not_return_is_invalid(make_user):
    viewer = make_user("viewer")
    with pytest.raises(errors.Invalid):
        service.trending_page(viewer, RankedPageQuery(cursor="bm90LWEtY3Vyc29y"))


def test_liked_by_me_and_counts_come_with_each_post(make_user, make_post):
    author, viewer = make_user("author"), make_user("viewer")
    post = make_post(author)
    db.execute("INSERT INTO likes (post_id, user_id) VALUES (%s, %s)", (post, viewer))
    record_engagement(post, "like")

    (item,) = service.trending_page(viewer, RankedPageQuery()).items

    assert item.liked_by_me is True
    assert item.like_count == 1


def test_the_cache_hit_ratio_is_emitted_as_a_percent_metric(make_user, make_post, capsys):
    viewer = make_user("viewer")
    service.trending_page(viewer, RankedPageQuery())
    service.trending_page(viewer, RankedPageQuery())

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if '"CacheHitRatio"' in line]
    assert [(line["CacheHitRatio"], line["cache"]) for line in lines] == [
        ([0.0], "trending-posts"), ([100.0], "trending-posts")]
    (definition,) = lines[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    assert definition == {"Name": "CacheHitRatio", "Unit": "Percent"}


def test_with_redis_down_trending_falls_back_to_exact_counts_from_postgres(
        make_user, make_post, monkeypatch):
    author, fan, viewer = make_user("author"), make_user("fan"), make_user("viewer")
    quiet, liked = make_post(author, "quiet"), make_post(author, "liked")
    db.execute("INSERT INTO likes (post_id, user_id) VALUES (%s, %s)", (liked, fan))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.reset_settings()
    cache.reset()

    page = service.trending_page(viewer, RankedPageQuery())

    assert _ids(page) == [liked, quiet]
