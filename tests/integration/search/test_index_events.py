"""Writes that change a searchable fact queue one index event each, after they commit (moto SQS)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from plaza.admin import service as admin
from plaza.identity import service as identity
from plaza.identity.gateway import Caller
from plaza.posts import service as posts
from plaza.posts.models import PostEdit
from plaza.stores.search_events import queue_index_event
from tests.integration.search.conftest import MakePost, MakeUser
from tests.support.moto import moto_queue

MODERATOR = Caller(str(uuid.uuid4()), "moderator", "mod-device", str(uuid.uuid4()))


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """moto's SQS with the search index queue as SEARCH_INDEX_QUEUE_URL."""
    with moto_queue(monkeypatch, "search-index", "SEARCH_INDEX_QUEUE_URL") as queue:
        yield queue


def _events(queue: tuple[Any, str]) -> list[dict[str, Any]]:
    sqs, url = queue
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in got]


def test_an_edit_queues_one_post_index_event(queue: Any, make_user: MakeUser,
                                             make_post: MakePost) -> None:
    ann = make_user("ann")
    post = make_post(ann, "hello world")
    _events(queue)  # whatever creating it sent is not this test's concern
    posts.edit_post(ann, post, PostEdit(text="hello plaza"))
    assert _events(queue) == [{"kind": "post", "action": "index", "post_id": post}]


def test_a_delete_queues_one_post_delete_event(queue: Any, make_user: MakeUser,
                                               make_post: MakePost) -> None:
    ann = make_user("ann")
    post = make_post(ann, "soon gone")
    _events(queue)
    posts.delete_post(ann, "user", post)
    assert _events(queue) == [{"kind": "post", "action": "delete", "post_id": post}]


def test_a_profile_change_queues_one_user_index_event(queue: Any, make_user: MakeUser) -> None:
    ann = make_user("ann")
    identity.update_me(Caller(ann, "user", "phone", str(uuid.uuid4())), {"bio": "gardener"})
    assert _events(queue) == [{"kind": "user", "action": "index", "user_id": ann}]


def test_a_suspension_and_a_reinstatement_each_queue_one_user_event(
        queue: Any, make_user: MakeUser) -> None:
    bob = make_user("bob")
    admin.suspend(MODERATOR, bob)
    assert _events(queue) == [{"kind": "user", "action": "index", "user_id": bob}]
    admin.reinstate(MODERATOR, bob)
    assert _events(queue) == [{"kind": "user", "action": "index", "user_id": bob}]


def test_a_like_queues_no_index_event(queue: Any, make_user: MakeUser,
                                      make_post: MakePost) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    post = make_post(ann, "like me")
    _events(queue)
    posts.like(bob, post)
    assert _events(queue) == []


def test_an_unreachable_queue_never_fails_the_write(queue: Any, make_user: MakeUser,
                                                    make_post: MakePost,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, url = queue
    monkeypatch.setenv("SEARCH_INDEX_QUEUE_URL", url + "-gone")
    ann = make_user("ann")
    post = make_post(ann, "still edited")
    assert queue_index_event("post", post) is False
    assert posts.edit_post(ann, post, PostEdit(text="edited anyway")).text == "edited anyway"


def test_a_public_post_queues_one_event_for_all_its_hashtags(queue: Any, make_user: MakeUser,
                                                            make_post: MakePost) -> None:
    ann = make_user("ann")
    make_post(ann, "no tags here")
    assert [e for e in _events(queue) if e["kind"] == "hashtag"] == []
    post = make_post(ann, "Tide pools #Beach #tide #beach")
    assert [e for e in _events(queue) if e["kind"] == "hashtag"] == [
        {"kind": "hashtag", "action": "index", "tags": ["beach", "tide"]}]
    make_post(ann, "Only friends #secret", visibility="followers")
    assert [e for e in _events(queue) if e["kind"] == "hashtag"] == []  # counts public posts only
    posts.edit_post(ann, post, PostEdit(text="Tide pools #rocks"))
    assert [e for e in _events(queue) if e["kind"] == "hashtag"] == [
        {"kind": "hashtag", "action": "index", "tags": ["beach", "tide", "rocks"]}]
    posts.delete_post(ann, "user", post)
    assert _events(queue) == [{"kind": "post", "action": "delete", "post_id": post},
                              {"kind": "hashtag", "action": "index", "tags": ["rocks"]}]


def test_a_registration_queues_the_new_user_for_indexing(queue: Any, clean_stores: object) -> None:
    from plaza.identity.models import RegisterIn

    user = identity.register(RegisterIn(email="zoe@example.edu", username="zoe",
                                        password="a long enough password 1"))
    assert {"kind": "user", "action": "index", "user_id": user.id} in _events(queue)


def test_counts_written_back_queue_one_event_per_recounted_post_in_batches(
        queue: Any, make_user: MakeUser, make_post: MakePost) -> None:
    from plaza.trending import service as trending

    ann = make_user("ann")
    likers = [make_user(f"fan{n}") for n in range(3)]
    liked = [make_post(ann, f"post {n}") for n in range(12)]
    _events(queue)
    for post in liked:
        for fan in likers:
            posts.like(fan, post)
    assert _events(queue) == []  # never one per like
    assert trending.write_back_counts() == 12
    sqs, url = queue
    seen: list[dict[str, Any]] = []
    while batch := _events(queue):
        seen += batch
    assert sorted(e["post_id"] for e in seen) == sorted(liked)
    assert {(e["kind"], e["action"]) for e in seen} == {("post", "index")}


def test_a_take_down_queues_the_post_and_its_public_hashtags(queue: Any, make_user: MakeUser,
                                                            make_post: MakePost) -> None:
    from plaza.moderation import service as moderation

    ann = make_user("ann")
    post = make_post(ann, "reported #cove")
    _events(queue)
    moderation.forget_content("post", post, ann)
    assert _events(queue) == [{"kind": "post", "action": "index", "post_id": post},
                              {"kind": "hashtag", "action": "index", "tags": ["cove"]}]
