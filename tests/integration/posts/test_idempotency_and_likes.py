"""Idempotent creates and exact like counts, with concurrent requests on separate connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from plaza import errors, idempotency
from plaza.posts import service
from plaza.posts.models import PostIn
from plaza.stores import db
from tests.integration.posts.conftest import MakeUser
from tests.support.concurrency import at_once
from tests.support.media import ready_media


def _post_count(author: str) -> int:
    row = db.fetch_one("SELECT count(*) AS n FROM posts WHERE author_id = %s", (author,))
    return int(row["n"]) if row else 0


def test_the_same_key_and_body_replay_the_first_response_without_a_second_post(
        make_user: MakeUser) -> None:
    ann = make_user("ann")
    media = ready_media(ann)
    body = PostIn(text="once #only", media_ids=[media])
    first = service.create_post(ann, body, "key-1")
    again = service.create_post(ann, PostIn(text="once #only", media_ids=[media]), "key-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.post == first.post
    assert _post_count(ann) == 1


def test_the_same_key_with_another_body_is_a_conflict(make_user: MakeUser) -> None:
    ann = make_user("ann")
    service.create_post(ann, PostIn(text="one"), "key-1")
    with pytest.raises(errors.Conflict):
        service.create_post(ann, PostIn(text="two"), "key-1")
    assert _post_count(ann) == 1


def test_keys_belong_to_one_user(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    service.create_post(ann, PostIn(text="same"), "shared-key")
    assert service.create_post(bob, PostIn(text="same"), "shared-key").replayed is False
    assert (_post_count(ann), _post_count(bob)) == (1, 1)


def test_an_expired_key_creates_a_new_post(make_user: MakeUser) -> None:
    ann = make_user("ann")
    first = service.create_post(ann, PostIn(text="one"), "key-1")
    db.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
    second = service.create_post(ann, PostIn(text="two"), "key-1")
    assert second.replayed is False and second.post.id != first.post.id


def test_a_key_that_is_not_printable_ascii_is_invalid(make_user: MakeUser) -> None:
    with pytest.raises(errors.Invalid):
        service.create_post(make_user("ann"), PostIn(text="x"), "has space")


def test_two_concurrent_identical_requests_create_one_post(make_user: MakeUser) -> None:
    ann = make_user("ann")
    results = at_once([lambda: service.create_post(ann, PostIn(text="race"), "race-key")] * 2)
    assert sorted(result.replayed for result in results) == [False, True]
    assert results[0].post == results[1].post
    assert _post_count(ann) == 1


def test_like_counts_are_exact_under_50_concurrent_likes_and_unlikes(make_user: MakeUser) -> None:
    author = make_user("author")
    post_id = service.create_post(author, PostIn(text="popular")).post.id
    fans = [make_user(f"fan{i}") for i in range(25)]
    for fan in fans[:10]:
        service.like(fan, post_id)

    # The first 10 unlike (twice each) while the other 15 like (twice each): 50 requests at once.
    calls: list[Callable[[], Any]] = []
    for fan in fans:
        action = service.unlike if fan in fans[:10] else service.like
        calls += [lambda fan=fan, action=action: action(fan, post_id)] * 2
    at_once(calls)

    assert service.get_post(author, post_id).like_count == 15
    row = db.fetch_one("SELECT count(*) AS n FROM likes WHERE post_id = %s", (post_id,))
    assert row == {"n": 15}


def test_the_like_count_never_goes_negative(make_user: MakeUser) -> None:
    author, fan = make_user("author"), make_user("fan")
    post_id = service.create_post(author, PostIn(text="x")).post.id
    at_once([lambda: service.unlike(fan, post_id)] * 10)
    assert service.get_post(author, post_id).like_count == 0


def test_the_sweep_drops_expired_keys_only(make_user: MakeUser) -> None:
    ann = make_user("ann")
    for key in ("old-1", "old-2", "live"):
        service.create_post(ann, PostIn(text=key), key)
    db.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'"
               " WHERE key LIKE 'old-%'")
    assert idempotency.sweep() == 2
    assert [r["key"] for r in db.fetch_all("SELECT key FROM idempotency_keys")] == ["live"]
    assert idempotency.sweep() == 0
