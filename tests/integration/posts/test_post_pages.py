"""Comments, a user's posts and a hashtag's posts: keyset pages, visibility and blocks."""

from __future__ import annotations

import pytest

from plaza import errors
from plaza.models import PageQuery
from plaza.posts import service
from plaza.posts.models import CommentIn, PostIn
from plaza.social import service as social
from tests.integration.posts.conftest import MakeUser


def _walk(fetch, limit: int) -> list[list[str]]:  # noqa: ANN001
    """Every page's ids, following next_cursor to the end."""
    pages, cursor = [], None
    while True:
        page = fetch(PageQuery(limit=limit, cursor=cursor))
        pages.append([item.id for item in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_comments_page_oldest_first_and_count_on_the_post(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post_id = service.create_post(ann, PostIn(text="talk")).post.id
    ids = [service.add_comment(bob if i % 2 else ann, post_id, CommentIn(text=f"c{i}")).value.id
           for i in range(5)]

    pages = _walk(lambda q: service.comment_page(ann, post_id, q), 2)

    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert service.get_post(ann, post_id).comment_count == 5


def test_comments_of_blocked_users_are_hidden(make_user: MakeUser) -> None:
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    post_id = service.create_post(ann, PostIn(text="talk")).post.id
    service.add_comment(bob, post_id, CommentIn(text="from bob"))
    mine = service.add_comment(cat, post_id, CommentIn(text="from cat")).value.id
    social.block(cat, "bob")
    assert [c.id for c in service.comment_page(cat, post_id, PageQuery()).items] == [mine]


def test_user_posts_page_newest_first_with_followers_posts_for_followers(make_user: MakeUser) -> None:
    ann, fan, other = make_user("ann"), make_user("fan"), make_user("other")
    social.follow(fan, "ann")
    ids = [service.create_post(ann, PostIn(text=f"p{i}",
                                           visibility="followers" if i % 2 else "public")).post.id
           for i in range(5)]
    newest_first = ids[::-1]

    assert _walk(lambda q: service.user_posts_page(fan, "ann", q), 2) == [
        newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    public = [i for n, i in enumerate(ids) if n % 2 == 0][::-1]
    assert _walk(lambda q: service.user_posts_page(other, "ann", q), 10) == [public]
    assert _walk(lambda q: service.user_posts_page(ann, "me", q), 10) == [newest_first]


def test_a_blocked_users_posts_page_is_404(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    social.block(ann, "bob")
    with pytest.raises(errors.NotFound):
        service.user_posts_page(bob, "ann", PageQuery())


def test_hashtag_pages_hide_blocked_authors_and_invisible_posts(make_user: MakeUser) -> None:
    ann, bob, cat, viewer = (make_user(n) for n in ("ann", "bob", "cat", "viewer"))
    social.block(viewer, "bob")
    visible = [service.create_post(ann, PostIn(text=f"#Tea {i}")).post.id for i in range(3)]
    service.create_post(bob, PostIn(text="#tea from bob"))
    service.create_post(cat, PostIn(text="#tea for followers", visibility="followers"))

    assert _walk(lambda q: service.hashtag_posts_page(viewer, "#TEA", q), 2) == [
        visible[::-1][0:2], visible[::-1][2:3]]
    assert service.hashtag_posts_page(viewer, "coffee", PageQuery()).items == []
    with pytest.raises(errors.NotFound):
        service.hashtag_posts_page(viewer, "not a tag!", PageQuery())


def test_a_tampered_cursor_is_invalid(make_user: MakeUser) -> None:
    with pytest.raises(errors.Invalid):
        service.user_posts_page(make_user("ann"), "ann", PageQuery(cursor="bm9wZQ"))
