"""Follows: idempotent, exact counts under concurrency, and the rules around who may follow whom."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from plaza import errors
from plaza.social import service
from plaza.stores import db
from tests.integration.social.conftest import MakeUser


def _counts(viewer: str, username: str) -> tuple[int, int]:
    profile = service.profile(viewer, username)
    return profile.follower_count, profile.following_count


def test_following_twice_counts_once(make_user: MakeUser) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    service.follow(alice, "bob")
    service.follow(alice, "BOB")  # usernames ignore case
    assert _counts(alice, "bob") == (1, 0)
    assert _counts(bob, "alice") == (0, 1)
    assert service.profile(alice, "bob").followed_by_me is True
    assert service.profile(bob, "alice").follows_me is True


def test_unfollowing_twice_and_unfollowing_a_stranger_change_nothing(make_user: MakeUser) -> None:
    alice, _ = make_user("alice"), make_user("bob")
    make_user("carol")
    service.follow(alice, "bob")
    service.unfollow(alice, "bob")
    service.unfollow(alice, "bob")
    service.unfollow(alice, "carol")
    assert _counts(alice, "bob") == (0, 0)
    assert _counts(alice, "alice") == (0, 0)
    assert service.profile(alice, "bob").followed_by_me is False


def test_following_yourself_is_invalid(make_user: MakeUser) -> None:
    alice = make_user("alice")
    for name in ("alice", "me"):
        with pytest.raises(errors.Invalid) as raised:
            service.follow(alice, name)
        assert raised.value.errors[0]["field"] == "path.username"


@pytest.mark.parametrize("username", ["nobody", "", "x" * 31, "bad name", "nul\x00byte", "é"])
def test_following_a_missing_or_malformed_username_is_not_found(make_user: MakeUser,
                                                                 username: str) -> None:
    alice = make_user("alice")
    with pytest.raises(errors.NotFound):
        service.follow(alice, username)
    with pytest.raises(errors.NotFound):
        service.profile(alice, username)


def test_a_suspended_user_cannot_be_followed_or_seen(make_user: MakeUser) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    db.execute("UPDATE users SET status = 'suspended' WHERE id = %s", (bob,))
    with pytest.raises(errors.NotFound):
        service.follow(alice, "bob")
    with pytest.raises(errors.NotFound):
        service.profile(alice, "bob")


def test_me_is_the_callers_own_profile(make_user: MakeUser) -> None:
    alice, _ = make_user("alice"), make_user("bob")
    service.follow(alice, "bob")
    me = service.profile(alice, "me")
    assert (me.id, me.username, me.following_count, me.followed_by_me) == (alice, "alice", 1, False)


def _concurrently(calls: list[Callable[[], None]]) -> list[BaseException]:
    """Run the calls in threads released together; the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    failures: list[BaseException] = []

    def run(call: Callable[[], None]) -> None:
        try:
            barrier.wait(10)
            call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            db.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return failures


def test_counts_stay_exact_under_twenty_concurrent_follows_and_unfollows(make_user: MakeUser) -> None:
    star = make_user("star")
    fans = [make_user(f"fan{i:02d}") for i in range(10)]
    # Each fan follows twice and unfollows once at the same moment, and the star follows fans
    # back: the outcome per pair depends on the order, but the counts must match the rows.
    calls: list[Callable[[], None]] = []
    for index, fan in enumerate(fans):
        calls.append(lambda fan=fan: service.follow(fan, "star"))
        if index % 2:
            calls.append(lambda fan=fan: service.unfollow(fan, "star"))
        else:
            calls.append(lambda index=index: service.follow(star, f"fan{index:02d}"))
    assert len(calls) == 20
    assert _concurrently(calls) == []

    rows = db.fetch_all(
        "SELECT u.id::text AS id, u.follower_count, u.following_count,"
        " (SELECT count(*) FROM follows f WHERE f.followee_id = u.id) AS followers,"
        " (SELECT count(*) FROM follows f WHERE f.follower_id = u.id) AS following FROM users u")
    assert len(rows) == 11
    for row in rows:
        assert (row["follower_count"], row["following_count"]) == (row["followers"], row["following"])
    star_row = next(row for row in rows if row["id"] == star)
    assert star_row["following_count"] == 5  # the star's own follows raced nothing
    assert 5 <= star_row["follower_count"] <= 10


def test_opposite_follows_at_once_do_not_deadlock(make_user: MakeUser) -> None:
    pairs = [(make_user(f"left{i}"), make_user(f"right{i}")) for i in range(10)]
    calls: list[Callable[[], None]] = []
    for i, (left, right) in enumerate(pairs):
        calls.append(lambda left=left, i=i: service.follow(left, f"right{i}"))
        calls.append(lambda right=right, i=i: service.follow(right, f"left{i}"))
    assert _concurrently(calls) == []
    for i, (left, _) in enumerate(pairs):
        assert _counts(left, f"right{i}") == (1, 1)


def test_a_follow_racing_a_block_never_outlives_it(make_user: MakeUser) -> None:
    pairs = [(make_user(f"left{i}"), make_user(f"right{i}")) for i in range(6)]
    calls: list[Callable[[], None]] = []
    for i, (left, right) in enumerate(pairs):
        calls.append(lambda left=left, i=i: service.follow(left, f"right{i}"))
        calls.append(lambda right=right, i=i: service.follow(right, f"left{i}"))
        calls.append(lambda left=left, i=i: service.block(left, f"right{i}"))
    failures = _concurrently(calls)
    # A follow that ran after the block found no such user; one that ran before was removed.
    assert all(isinstance(failure, errors.NotFound) for failure in failures), failures
    assert db.fetch_one("SELECT count(*) AS n FROM follows")["n"] == 0
    assert db.fetch_one("SELECT sum(follower_count + following_count) AS n FROM users")["n"] == 0


def test_a_caller_whose_account_is_gone_is_unauthorized_not_an_error(make_user: MakeUser) -> None:
    make_user("bob")
    ghost = "0b6f4c1e-8a57-4d3e-9f21-5c7d2a9e4b10"
    for change in (service.follow, service.unfollow, service.block):
        with pytest.raises(errors.Unauthorized):
            change(ghost, "bob")
