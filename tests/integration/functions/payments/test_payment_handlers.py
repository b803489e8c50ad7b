"""The payments functions as Lambda invokes them: the webhook's answers for signed, forged and
redelivered events (the queue in moto), the consumer's partial failures, transfers' replay
header and problems."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.identity import repo as identity_repo
from plaza.payments import repo, service
from plaza.stores import cache
from tests.integration.payments.test_stripe_events import SECRET, signed, subscription_event
from tests.support.lambdas import FakeContext, http_event, json_of, load_function
from tests.support.moto import moto_queue


@pytest.fixture
def queue(clean_stores: EmbeddedStores, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    cache.reset()
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    with moto_queue(monkeypatch, "payments", "PAYMENTS_QUEUE_URL") as (sqs, url):
        yield lambda: [json.loads(message["Body"]) for message in
                       sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
                       .get("Messages", [])]


def _user(username: str) -> dict[str, str]:
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(), "x")
    return {"user_id": str(row["id"]), "role": "user", "device_id": "device-0001",
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


def _webhook(body: str, signature: str) -> dict[str, Any]:
    event = http_event("POST", "/v1/payments/webhooks/stripe", body=body,
                       headers={"stripe-signature": signature})
    return load_function("functions/payments/stripe_webhook.py").handler(event, FakeContext())


def test_the_webhook_queues_a_signed_event_once_and_refuses_forgeries(queue: Any) -> None:
    ann = _user("ann")
    body = subscription_event("evt_h1", ann["user_id"], "active", int(time.time()))
    assert _webhook(body, signed(body, "whsec_other"))["statusCode"] == 400
    assert _webhook(body, "")["statusCode"] == 400
    answered = _webhook(body, signed(body))
    assert answered["statusCode"] == 200 and json_of(answered)["queued"] is True
    assert queue() == [{"provider": "stripe", "event_id": "evt_h1"}]

    consumer = load_function("functions/payments/process_events.py")
    records = [{"messageId": "good", "body": json.dumps({"provider": "stripe",
                                                         "event_id": "evt_h1"})},
               {"messageId": "bad", "body": "{"}]
    assert consumer.handler({"Records": records}, FakeContext()) == {
        "batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert service.subscription(ann["user_id"]).status == "active"
    again = _webhook(body, signed(body))
    assert again["statusCode"] == 200 and json_of(again)["queued"] is False


def test_transfers_answer_201_replay_and_409(queue: Any) -> None:
    ann, _ = _user("ann"), _user("bob")
    repo.transfer("buy-1", repo.ISSUER, repo.user_account(ann["user_id"]), 3)
    transfer = load_function("functions/payments/transfer.py")

    def send(amount: int, key: str | None = None) -> dict[str, Any]:
        event = http_event("POST", "/v1/wallet/transfers", body={"to": "bob", "amount": amount},
                           authorizer=ann, headers={"idempotency-key": key} if key else None)
        return transfer.handler(event, FakeContext())

    first = send(2, "k-1")
    assert first["statusCode"] == 201 and json_of(first)["balance"] == 1
    replay = send(2, "k-1")
    assert replay["statusCode"] == 201 and replay["headers"]["idempotent-replayed"] == "true"
    assert send(2)["statusCode"] == 409
    assert send(0)["statusCode"] == 422
    wallet = load_function("functions/payments/wallet.py").handler(
        http_event("GET", "/v1/me/wallet", authorizer=ann), FakeContext())
    assert json_of(wallet) == {"balance": 1}
