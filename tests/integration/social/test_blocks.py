"""Blocks: they remove follows both ways and hide the two users from each other."""

from __future__ import annotations

import pytest

from plaza import errors
from plaza.models import PageQuery
from plaza.social import service
from plaza.stores import db
from tests.integration.social.conftest import MakeUser


def _names(viewer: str, username: str, direction: str) -> list[str]:
    page = service.follow_page(viewer, username, direction, PageQuery())  # type: ignore[arg-type]
    return [item.username for item in page.items]


def test_a_block_removes_the_follows_both_ways_and_fixes_the_counts(make_user: MakeUser) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    service.follow(alice, "bob")
    service.follow(bob, "alice")
    service.follow(carol, "bob")
    service.block(alice, "bob")
    service.block(alice, "bob")  # idempotent
    assert db.fetch_all("SELECT 1 FROM follows WHERE %s IN (follower_id, followee_id)", (alice,)) == []
    bob_seen_by_carol = service.profile(carol, "bob")
    assert (bob_seen_by_carol.follower_count, bob_seen_by_carol.following_count) == (1, 0)
    me = service.profile(alice, "me")
    assert (me.follower_count, me.following_count) == (0, 0)


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_a_block_either_way_hides_the_profile_and_forbids_following(make_user: MakeUser,
                                                                    blocker: str) -> None:
    ids = {"alice": make_user("alice"), "bob": make_user("bob")}
    service.block(ids[blocker], "bob" if blocker == "alice" else "alice")
    for viewer, other in (("alice", "bob"), ("bob", "alice")):
        with pytest.raises(errors.NotFound):
            service.profile(ids[viewer], other)
        with pytest.raises(errors.NotFound):
            service.follow(ids[viewer], other)
        with pytest.raises(errors.NotFound):
            service.follow_page(ids[viewer], other, "followers", PageQuery())
    assert service.is_blocked_between(ids["alice"], ids["bob"])
    assert service.is_blocked_between(ids["bob"], ids["alice"])
    assert service.hidden_user_ids(ids["alice"]) == {ids["bob"]}
    assert service.hidden_user_ids(ids["bob"]) == {ids["alice"]}


def test_lists_hide_users_blocked_either_way_from_the_viewer(make_user: MakeUser) -> None:
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    for fan in (bob, carol, dave):
        service.follow(fan, "alice")
    service.follow(alice, "carol")
    service.block(dave, "carol")
    service.block(bob, "dave")
    assert _names(alice, "alice", "followers") == ["dave", "carol", "bob"]  # no block of hers
    assert _names(carol, "alice", "followers") == ["carol", "bob"]  # dave hidden from carol
    assert _names(bob, "alice", "followers") == ["carol", "bob"]
    assert _names(dave, "alice", "following") == []  # alice follows carol, whom dave blocked
    assert _names(alice, "alice", "following") == ["carol"]
    # The counts are the graph's, not the viewer's: hiding is per viewer.
    assert service.profile(carol, "alice").follower_count == 3


def test_unblocking_makes_the_user_visible_again_but_restores_no_follow(make_user: MakeUser) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    service.follow(bob, "alice")
    service.block(alice, "bob")
    service.unblock(alice, "bob")
    service.unblock(alice, "bob")  # idempotent
    assert not service.is_blocked_between(alice, bob)
    profile = service.profile(alice, "bob")
    assert (profile.follows_me, profile.followed_by_me) == (False, False)
    service.follow(bob, "alice")
    assert service.profile(bob, "alice").follower_count == 1


def test_unblocking_only_lifts_your_own_block(make_user: MakeUser) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    service.block(alice, "bob")
    service.unblock(bob, "alice")
    assert service.is_blocked_between(alice, bob)


def test_blocking_yourself_is_invalid(make_user: MakeUser) -> None:
    alice = make_user("alice")
    with pytest.raises(errors.Invalid):
        service.block(alice, "alice")
    with pytest.raises(errors.NotFound):
        service.block(alice, "nobody")


def test_you_are_never_hidden_from_yourself(make_user: MakeUser) -> None:
    alice = make_user("alice")
    assert not service.is_blocked_between(alice, alice)
    assert service.hidden_user_ids(alice) == set()


def test_the_block_list_pages_your_own_blocks_newest_first(make_user: MakeUser) -> None:
    alice = make_user("alice")
    for name in ("bob", "carol", "dave"):
        make_user(name)
        service.block(alice, name)
    service.block(make_user("eve"), "alice")  # a block of alice is not on her list
    first = service.block_page(alice, PageQuery(limit=2))
    assert [item.username for item in first.items] == ["dave", "carol"]
    rest = service.block_page(alice, PageQuery(limit=2, cursor=first.next_cursor))
    assert ([item.username for item in rest.items], rest.next_cursor) == (["bob"], None)
    service.unblock(alice, "carol")
    assert [item.username for item in service.block_page(alice, PageQuery()).items] == ["dave", "bob"]
