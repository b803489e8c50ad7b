"""Razorpay through the local cloud: an event signed as Razorpay signs it (HMAC-SHA256 of the
raw body, the razorpay library's scheme) reaches the webhook, the queue and the consumer and
changes a subscription once; a captured payment credits coins once; a forged one is 400."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import psycopg
import pytest
import razorpay

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.local_only]
SECRET = "rzp_e2e_" + uuid.uuid4().hex  # noqa: S105


@pytest.fixture(scope="module")
def webhook_secret(main_cloud: RunningCloud) -> str:
    """The webhook secret, where the template says the webhook reads it (SSM)."""
    ssm = main_cloud.aws_client("ssm")
    ssm.put_parameter(Name="/plaza/dev/razorpay-webhook-secret", Value=SECRET,
                      Type="SecureString", Overwrite=True)
    return SECRET


@pytest.fixture
def ann(deployment: Deployment) -> Iterator[Member]:
    with ExitStack() as stack:
        yield Member(deployment, stack, f"ann_{uuid.uuid4().hex[:8]}")


def _signed(body: str, secret: str) -> str:
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    assert razorpay.Utility().verify_webhook_signature(body, signature, secret)
    return signature


def _deliver(deployment: Deployment, body: str, signature: str, event_id: str) -> httpx.Response:
    with deployment.client() as client:
        return client.post("/v1/payments/webhooks/razorpay", content=body.encode(),
                           headers={"x-razorpay-signature": signature,
                                    "x-razorpay-event-id": event_id,
                                    "content-type": "application/json"})


def _event(name: str, entity_kind: str, entity: dict[str, Any]) -> str:
    return json.dumps({"entity": "event", "account_id": "acc_e2e", "event": name,
                       "contains": [entity_kind], "created_at": int(time.time()),
                       "payload": {entity_kind: {"entity": entity}}})


def _api(member: Member, path: str) -> httpx.Response:
    with member.http() as client:
        return client.get(path)


def test_a_signed_razorpay_event_changes_a_subscription_once(
        ann: Member, webhook_secret: str, stores: EmbeddedStores) -> None:
    deployment = ann.deployment
    assert _api(ann, "/v1/me/subscription").status_code == 404
    event_id = "evt_" + uuid.uuid4().hex[:14]
    body = _event("subscription.activated", "subscription", {
        "id": f"sub_{uuid.uuid4().hex[:14]}", "entity": "subscription",
        "plan_id": "plan_plus_monthly", "status": "active",
        "current_end": int(time.time()) + 2592000, "notes": {"user_id": ann.id}})

    forged = _deliver(deployment, body, _signed(body, "someone_elses_secret"), event_id)
    assert forged.status_code == 400, forged.text
    assert forged.headers["content-type"] == "application/problem+json"
    first = _deliver(deployment, body, _signed(body, webhook_secret), event_id)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "event_id": event_id, "queued": True}

    def applied() -> Any:
        answer = _api(ann, "/v1/me/subscription")
        return answer.json() if answer.status_code == 200 else None

    subscription = eventually(applied, timeout=30)
    assert (subscription["plan"], subscription["status"], subscription["active"]) == (
        "plan_plus_monthly", "active", True)
    redelivered = _deliver(deployment, body, _signed(body, webhook_secret), event_id)
    assert redelivered.status_code == 200 and redelivered.json()["queued"] is False
    with psycopg.connect(stores.database_url) as conn:
        row = conn.execute("SELECT count(*), count(processed_at) FROM payment_events"
                           " WHERE provider = 'razorpay' AND event_id = %s", (event_id,)).fetchone()
    assert row == (1, 1)


def test_a_captured_payment_credits_coins_once(ann: Member, webhook_secret: str,
                                              stores: EmbeddedStores) -> None:
    deployment = ann.deployment
    body = _event("payment.captured", "payment", {
        "id": f"pay_{uuid.uuid4().hex[:14]}", "entity": "payment", "amount": 50000,
        "currency": "INR", "status": "captured", "notes": {"user_id": ann.id, "coins": "250"}})
    signature = _signed(body, webhook_secret)
    # The same signed body twice, the second under another event id (the header is unsigned).
    event_ids = ["evt_" + uuid.uuid4().hex[:14], "evt_" + uuid.uuid4().hex[:14]]
    for event_id in event_ids:
        delivered = _deliver(deployment, body, signature, event_id)
        assert delivered.status_code == 200, delivered.text

    def processed() -> bool:
        with psycopg.connect(stores.database_url) as conn:
            row = conn.execute("SELECT count(processed_at) FROM payment_events WHERE provider ="
                               " 'razorpay' AND event_id = ANY(%s)", (event_ids,)).fetchone()
        return row == (2,)

    eventually(processed, timeout=30)
    assert _api(ann, "/v1/me/wallet").json()["balance"] == 250
    entries = _api(ann, "/v1/me/wallet/entries").json()["items"]
    assert [entry["amount"] for entry in entries] == [250]
