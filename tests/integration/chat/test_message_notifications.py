"""Members no connection reached get a `message` notification queued; a resend queues nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plaza.chat import service
from plaza.chat.models import ConversationIn, MessageIn
from plaza.stores import aws
from tests.integration.chat.conftest import MakeUser


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "testing"),
                        ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)
    aws.reset()
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="notifications")["QueueUrl"]
        monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
        yield sqs, url
    aws.reset()


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
