"""Queue operations of the admin API with SQS in moto: depths, a redacted sample of dead letters,
redrive back to the source queue and purge, each audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from plaza import errors
from plaza.admin import queues
from plaza.identity.gateway import Caller
from plaza.stores import db
from tests.integration.social.conftest import MakeUser, make_user
from tests.support.moto import plaza_on_moto

__all__ = ["make_user"]

TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


@pytest.fixture
def sqs(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, str]]:
    """A source queue and its dead-letter queue in moto, named in ADMIN_QUEUES as `email`."""
    with plaza_on_moto(monkeypatch):
        client = boto3.client("sqs")
        source = client.create_queue(QueueName="email")["QueueUrl"]
        dead = client.create_queue(QueueName="email-dlq")["QueueUrl"]
        monkeypatch.setenv("ADMIN_QUEUES", f"email={source}|{dead}")
        yield client, source, dead


def _admin(make_user: MakeUser) -> Caller:
    return Caller(make_user("boss"), "admin", "phone", "session")


def test_dead_letters_are_counted_sampled_redacted_and_redriven_once(
        sqs: tuple[Any, str, str], make_user: MakeUser) -> None:
    client, source, dead = sqs
    boss = _admin(make_user)
    for n in range(3):
        client.send_message(QueueUrl=dead, MessageBody=json.dumps(
            {"to": f"user{n}@example.edu", "reset_token": "secret-value", "link": f"/x?t={TOKEN}"}))

    [overview] = queues.queue_page(boss).items
    assert (overview.name, overview.queue.depth, overview.dead_letters.depth) == ("email", 0, 3)
    assert overview.dead_letters.oldest_age_s is not None and overview.dead_letters.oldest_age_s >= 0

    sample = queues.dead_letters(boss, "email", 10).items
    assert len(sample) == 3
    assert all(item.body["reset_token"] == queues.REDACTED for item in sample)
    assert all(TOKEN not in item.body["link"] for item in sample)

    moved = queues.redrive(boss, "email", "mail provider back")
    assert moved.messages == 3
    attributes = client.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "3"
    assert queues.queue_page(boss).items[0].dead_letters.depth == 0
    assert db.fetch_all("SELECT action, target_id, reason, changes->'after' AS after"
                        " FROM audit_log") == [{"action": "queue.redrive", "target_id": "email",
                                                "reason": "mail provider back",
                                                "after": {"moved": 3}}]


def test_purge_empties_the_dead_letters_and_is_audited(
        sqs: tuple[Any, str, str], make_user: MakeUser) -> None:
    client, _, dead = sqs
    boss = _admin(make_user)
    client.send_message(QueueUrl=dead, MessageBody="not json, Bearer " + TOKEN)
    assert queues.dead_letters(boss, "email", 1).items[0].body == "not json, Bearer [redacted]"
    assert queues.purge(boss, "email").messages == 1
    assert queues.queue_page(boss).items[0].dead_letters.depth == 0
    [record] = db.fetch_all("SELECT action FROM audit_log")
    assert record == {"action": "queue.purge"}


def test_queue_operations_are_for_admins_and_known_queues(
        sqs: tuple[Any, str, str], make_user: MakeUser) -> None:
    moderator = Caller(make_user("mod"), "moderator", "phone", "session")
    with pytest.raises(errors.Forbidden):
        queues.queue_page(moderator)
    with pytest.raises(errors.NotFound):
        queues.redrive(_admin(make_user), "nope")
