"""plaza.notifications.producer against moto's SQS: what it queues, and that it never raises."""

from __future__ import annotations

import json
from typing import Any

import pytest

from plaza.models import PageQuery
from plaza.notifications import producer, service
from plaza.posts import service as posts
from plaza.posts.models import CommentIn, PostIn
from plaza.social import service as social
from tests.integration.notifications.conftest import MakeUser
from tests.support.lambdas import FakeContext, http_event, load_function
from tests.support.silent_server import stalled_aws


def _bodies(sqs: Any, url: str) -> list[dict[str, Any]]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in got]


def test_notify_queues_the_event_with_its_dedupe_key(queue: Any) -> None:
    sqs, url = queue
    assert producer.notify("like", "u-2", "u-1", {"post_id": "p-1"}, dedupe_key="like:p-1:u-1")
    assert _bodies(sqs, url) == [{"kind": "like", "recipient_id": "u-2", "actor_id": "u-1",
                                  "data": {"post_id": "p-1"}, "dedupe_key": "like:p-1:u-1"}]


def test_notify_skips_notifying_oneself(queue: Any) -> None:
    sqs, url = queue
    assert not producer.notify("follow", "u-1", "u-1")
    assert _bodies(sqs, url) == []


def test_notify_fails_open_when_the_queue_is_missing(queue: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs, url = queue
    monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url + "-gone")
    assert producer.notify("follow", "u-2", "u-1") is False


def test_follow_like_and_comment_queue_notifications_the_consumer_stores_once(
        queue: Any, make_user: MakeUser) -> None:
    sqs, url = queue
    ann, bob = make_user("ann"), make_user("bob")
    post = posts.create_post(bob, PostIn(text="hello")).post
    social.follow(ann, "bob")
    posts.like(ann, post.id)
    posts.unlike(ann, post.id)
    posts.like(ann, post.id)
    posts.add_comment(ann, post.id, CommentIn(text="nice"))
    posts.like(bob, post.id)  # one's own like notifies nobody

    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(json.loads(m["Body"])["kind"] for m in got) == ["comment", "follow", "like", "like"]
    consume = load_function("functions/notifications/consume.py")
    records = [{"messageId": m["MessageId"], "body": m["Body"]} for m in got]
    assert consume.handler({"Records": records}, FakeContext()) == {"batchItemFailures": []}

    page = service.page(bob, PageQuery())
    assert sorted(n.kind for n in page.items) == ["comment", "follow", "like"]
    assert page.unread_count == 3
    assert all(n.actor_username == "ann" for n in page.items)


def test_a_stalled_queue_is_tried_once_per_notification_and_the_comment_still_answers_201(
        make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POST_FANOUT_STATE_MACHINE_ARN", raising=False)
    ann, bob = make_user("ann"), make_user("bob")
    post = posts.create_post(ann, PostIn(text="hello")).post
    comment = load_function("functions/posts/comment.py")
    caller = {"user_id": bob, "role": "user", "device_id": "device-0001",
              "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}

    with stalled_aws(monkeypatch) as stalled:
        monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", f"{stalled.url}/123456789012/notifications")
        answers = [comment.handler(http_event("POST", f"/v1/posts/{post.id}/comments",
                                              body={"text": f"nice {n}"}, authorizer=caller,
                                              path_params={"id": post.id}), FakeContext())
                   for n in range(2)]
        # One connection per notification: a retry after the timeout would have opened another.
        assert stalled.connections == 2

    assert [answer["statusCode"] for answer in answers] == [201, 201]
    stored = posts.comment_page(ann, post.id, PageQuery(limit=5)).items
    assert sorted(c.text for c in stored) == ["nice 0", "nice 1"]
