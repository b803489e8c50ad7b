"""Followers / following pages: keyset cursors, stable with no duplicates or gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from plaza import errors
from plaza.http import validate
from plaza.models import PageQuery
from plaza.pagination import encode_cursor
from plaza.social import service
from plaza.social.models import UserPage
from plaza.stores import db
from tests.integration.social.conftest import MakeUser


def _page(viewer: str, username: str, limit: int, cursor: str | None = None,
          direction: str = "followers") -> UserPage:
    return service.follow_page(viewer, username, direction,  # type: ignore[arg-type]
                               PageQuery(limit=limit, cursor=cursor))


def _walk(viewer: str, username: str, limit: int, direction: str = "followers") -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = _page(viewer, username, limit, cursor, direction)
        pages.append([item.username for item in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_pages_cover_every_follower_once_newest_first(make_user: MakeUser) -> None:
    star = make_user("star")
    names = [f"fan{i:02d}" for i in range(25)]
    for name in names:
        service.follow(make_user(name), "star")
    # Same-instant follows must still page exactly: the user id breaks the tie.
    db.execute("UPDATE follows SET created_at = '2026-01-01T00:00:00Z' WHERE followee_id = %s"
               " AND follower_id IN (SELECT id FROM users WHERE username LIKE 'fan1%%')", (star,))
    pages = _walk(star, "star", 7)
    assert [len(page) for page in pages] == [7, 7, 7, 4]
    flat = [name for page in pages for name in page]
    assert sorted(flat) == sorted(names)
    rows = db.fetch_all("SELECT u.username::text AS name FROM follows f JOIN users u ON u.id ="
                        " f.follower_id WHERE f.followee_id = %s"
                        " ORDER BY f.created_at DESC, f.follower_id DESC", (star,))
    assert flat == [row["name"] for row in rows]


def test_a_full_last_page_has_no_cursor(make_user: MakeUser) -> None:
    star = make_user("star")
    for i in range(4):
        service.follow(make_user(f"fan{i}"), "star")
    assert [len(page) for page in _walk(star, "star", 2)] == [2, 2]
    assert _walk(star, "star", 100) == [["fan3", "fan2", "fan1", "fan0"]]


def test_paging_while_the_list_changes_has_no_duplicates_or_gaps(make_user: MakeUser) -> None:
    star = make_user("star")
    early = [f"early{i}" for i in range(6)]
    for name in early:
        service.follow(make_user(name), "star")
    first = _page(star, "star", 3)
    # New follows land above the cursor; removing a shown one must not shift the next page.
    service.follow(make_user("late"), "star")
    service.unfollow(db.fetch_one("SELECT id::text AS id FROM users WHERE username = %s",
                                  (first.items[0].username,))["id"], "star")
    second = _page(star, "star", 3, first.next_cursor)
    seen = [item.username for item in first.items + second.items]
    assert seen == list(reversed(early))
    assert second.next_cursor is None


def test_following_pages_list_whom_the_user_follows(make_user: MakeUser) -> None:
    alice = make_user("alice")
    for name in ("bob", "carol", "dave"):
        make_user(name)
        service.follow(alice, name)
    viewer = make_user("eve")
    service.follow(viewer, "carol")
    pages = _walk(viewer, "alice", 2, "following")
    assert pages == [["dave", "carol"], ["bob"]]
    page = _page(viewer, "alice", 10, direction="following")
    assert [item.followed_by_me for item in page.items] == [False, True, False]


@pytest.mark.parametrize("query", [{"limit": "101"}, {"limit": "0"}, {"limit": "ten"},
                                   {"limit": "-1"}, {"limit": "1.5"}, {"cursor": ""},
                                   {"cursor": "x" * 201}])
def test_a_limit_or_cursor_out_of_range_is_invalid(query: dict[str, str]) -> None:
    with pytest.raises(errors.Invalid) as raised:
        validate(PageQuery, query, "query")
    assert raised.value.errors[0]["field"].startswith("query.")


# "nope"; "123.not-a-uuid"; a real cursor with junk appended (a fixed one: test ids must be the
# same in every pytest-xdist worker).
@pytest.mark.parametrize("cursor", ["not-a-cursor", "bm9wZQ", "MTIzLm5vdC1hLXV1aWQ", "%%%%",
                                    encode_cursor(dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
                                                  "5a5c00b2-d8d2-43a7-971d-1c5c01a1f45d") + "AA"])
def test_a_cursor_this_api_did_not_return_is_invalid(make_user: MakeUser, cursor: str) -> None:
    alice = make_user("alice")
    with pytest.raises(errors.Invalid) as raised:
        _page(alice, "alice", 10, cursor)
    assert raised.value.errors[0]["field"] == "query.cursor"


def test_the_default_page_size_is_twenty(make_user: MakeUser) -> None:
    star = make_user("star")
    for i in range(21):
        service.follow(make_user(f"fan{i:02d}"), "star")
    page = service.follow_page(star, "star", "followers", validate(PageQuery, {}, "query"))
    assert len(page.items) == 20 and page.next_cursor is not None
