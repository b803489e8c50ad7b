"""Calls against the real Postgres and Redis, moto's SQS for the notifications: tokens from the
provider's builder, one live call per conversation, accept, decline, hang up, the ring timeout
(run twice), blocks, and the call log with its durations."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza import errors
from plaza.chat import call_tokens, calls
from plaza.chat import service as chat
from plaza.chat.call_models import CallIn
from plaza.chat.models import ConversationIn
from plaza.identity import passwords
from plaza.identity import repo as identity_repo
from plaza.models import PageQuery
from plaza.social import service as social
from plaza.stores import db
from tests.support.moto import moto_queue


@pytest.fixture
def queue(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.delenv("CALL_RING_STATE_MACHINE_ARN", raising=False)
    call_tokens.reset()
    with moto_queue(monkeypatch, "notifications", "NOTIFICATIONS_QUEUE_URL") as queue:
        yield queue


def _notices(queue: tuple[Any, str], kind: str) -> list[dict[str, Any]]:
    sqs, url = queue
    events: list[dict[str, Any]] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                     VisibilityTimeout=60).get("Messages"):
        for message in got:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [event for event in events if event["kind"] == kind]


def _user(username: str) -> str:
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(),
                                    passwords.hash_password("a long and unusual passphrase 7"))
    return str(row["id"])


def _conversation(user_id: str, *usernames: str) -> str:
    return chat.create_conversation(user_id, ConversationIn(usernames=list(usernames),
                                                            title=None)).value.id


def test_a_call_rings_is_answered_and_ends_with_its_durations(queue: Any) -> None:
    ann, bob, _carl = _user("ann"), _user("bob"), _user("carl")
    conversation = _conversation(ann, "bob")
    body = CallIn(conversation_id=uuid.UUID(conversation), kind="video")
    outcome = calls.start_call(ann, body, "call-key-1")
    started = outcome.value
    assert outcome.status == 201 and not outcome.replayed
    assert started.uid == 1 and started.kind == "video" and started.provider == "agora"
    # Agora's AccessToken v006: the version, then the app id, then the signed content.
    assert started.token.startswith("006" + started.app_id) and len(started.token) > 100
    assert started.channel.startswith("plaza-")
    # Bob has no socket open: the call is pushed through the notifications queue.
    # A retry with the key answers the same and rings nobody again.
    again = calls.start_call(ann, body, "call-key-1")
    assert again.replayed and again.value == started
    [incoming] = _notices(queue, "call")
    assert incoming["recipient_id"] == bob and incoming["actor_id"] == ann
    assert incoming["data"]["call_id"] == started.call_id

    with pytest.raises(errors.Conflict) as busy:
        calls.start_call(bob, CallIn(conversation_id=uuid.UUID(conversation), kind="audio"))
    assert busy.value.extra["call_id"] == started.call_id
    with pytest.raises(errors.NotFound):
        calls.start_call(_carl, CallIn(conversation_id=uuid.UUID(conversation), kind="audio"))
    with pytest.raises(errors.NotFound):
        calls.accept_call(_carl, started.call_id)

    answered = calls.accept_call(bob, started.call_id)
    assert answered.uid == 2 and answered.channel == started.channel
    assert calls.accept_call(bob, started.call_id).uid == 2  # again: a fresh token, same uid
    assert calls.ring_timeout(started.call_id) == "active"  # answered: the timeout changes nothing
    ended = calls.end_call(bob, started.call_id)
    assert ended.status == "ended" and ended.ended_by == bob
    assert ended.duration_seconds is not None and ended.duration_seconds >= 0
    assert ended.ring_seconds is not None and ended.ring_seconds >= 0
    assert calls.end_call(ann, started.call_id).status == "ended"  # hanging up twice: as it is
    with pytest.raises(errors.Conflict):
        calls.accept_call(bob, started.call_id)

    log = calls.call_page(bob, conversation, PageQuery(limit=10))
    assert [(item.id, item.status) for item in log.items] == [(started.call_id, "ended")]
    with pytest.raises(errors.NotFound):
        calls.call_page(_carl, conversation, PageQuery(limit=10))


def test_an_unanswered_call_ends_as_missed_once_and_notifies(queue: Any) -> None:
    ann, bob = _user("ann"), _user("bob")
    conversation = _conversation(ann, "bob")
    started = calls.start_call(ann, CallIn(conversation_id=uuid.UUID(conversation), kind="audio")).value
    _notices(queue, "call")
    assert calls.ring_timeout(started.call_id) == "missed"
    assert calls.ring_timeout(started.call_id) == "missed"  # a rerun: nothing more
    [missed] = _notices(queue, "call_missed")
    assert missed["recipient_id"] == bob and missed["actor_id"] == ann
    [logged] = calls.call_page(ann, conversation, PageQuery(limit=10)).items
    assert logged.status == "missed" and logged.answered_at is None
    assert logged.duration_seconds is None and logged.ring_seconds is not None
    # The next call may start: one live call at a time, not one ever.
    again = calls.start_call(bob, CallIn(conversation_id=uuid.UUID(conversation), kind="audio")).value
    assert calls.decline_call(ann, again.call_id) == "declined"
    with pytest.raises(errors.Conflict):
        calls.decline_call(ann, again.call_id)
    assert calls.ring_timeout(again.call_id) == "declined"
    page = calls.call_page(ann, conversation, PageQuery(limit=1))
    assert [item.status for item in page.items] == ["declined"] and page.next_cursor
    rest = calls.call_page(ann, conversation, PageQuery(limit=1, cursor=page.next_cursor))
    assert [item.status for item in rest.items] == ["missed"]


def test_no_call_crosses_a_block(queue: Any) -> None:
    ann, _bob = _user("ann"), _user("bob")
    conversation = _conversation(ann, "bob")
    social.block(ann, "bob")
    with pytest.raises(errors.Forbidden):
        calls.start_call(ann, CallIn(conversation_id=uuid.UUID(conversation), kind="audio"))
    assert db.fetch_one("SELECT count(*) AS n FROM calls") == {"n": 0}
