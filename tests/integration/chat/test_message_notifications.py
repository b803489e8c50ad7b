"""Members no connection reached get a `message` notification queued; a resend queues nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from plaza.chat import service
from plaza.chat.models import ConversationIn, MessageIn
from tests.integration.chat.conftest import MakeUser
from tests.support.moto import moto_queue


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    with moto_queue(monkeypatch, "notifications", "NOTIFICATIONS_QUEUE_URL") as queue:
        yield queue


def test_an_offline_member_gets_one_message_notification(make_user: MakeUser,
                                                         queue: tuple[Any, str]) -> None:
    sqs, url = queue
    ann, bob = make_user("ann"), make_user("bob")
    conversation = service.create_conversation(ann, ConversationIn(usernames=["bob"])).value
    body = MessageIn(client_msg_id="c-1", text="are you there?")
    sent = service.send_message(ann, conversation.id, body)
    service.send_message(ann, conversation.id, body)

    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    bodies = [json.loads(message["Body"]) for message in got]
    assert [(b["kind"], b["recipient_id"], b["actor_id"]) for b in bodies] == [
        ("message", bob, ann)]
    assert bodies[0]["data"]["message_id"] == sent.message.id
    assert bodies[0]["dedupe_key"] == f"message:{sent.message.id}"
