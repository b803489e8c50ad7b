"""plaza.notifications.producer against moto's SQS: what it queues, and that it never raises."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from plaza.notifications import producer


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    producer.reset()
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="notifications")["QueueUrl"]
        monkeypatch.setenv("NOTIFICATIONS_QUEUE_URL", url)
        yield sqs, url
    producer.reset()


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
