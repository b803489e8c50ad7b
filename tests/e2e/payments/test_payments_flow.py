"""Payments through the local cloud: a Stripe event signed with the stripe library's own signer
reaches the webhook, the queue and the consumer and changes a subscription once; forged and
stale ones are 400; coins move between users and never below zero."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import psycopg
import pytest
import stripe

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.local_only]
SECRET = "whsec_e2e_" + uuid.uuid4().hex  # noqa: S105


@pytest.fixture(scope="module")
def webhook_secret(main_cloud: RunningCloud) -> str:
    """The signing secret, where the template says the webhook reads it (SSM)."""
    ssm = main_cloud.aws_client("ssm")
    ssm.put_parameter(Name="/plaza/dev/stripe-webhook-secret", Value=SECRET,
                      Type="SecureString", Overwrite=True)
    return SECRET


@pytest.fixture
def members(deployment: Deployment) -> Iterator[tuple[Member, Member]]:
    with ExitStack() as stack:
        suffix = uuid.uuid4().hex[:8]
        yield (Member(deployment, stack, f"ann_{suffix}"), Member(deployment, stack, f"bob_{suffix}"))


def _signed(body: str, secret: str, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    return f"t={timestamp},v1={stripe.WebhookSignature._compute_signature(f'{timestamp}.{body}', secret)}"


def _deliver(deployment: Deployment, body: str, signature: str) -> httpx.Response:
    with deployment.client() as client:
        return client.post("/v1/payments/webhooks/stripe", content=body.encode(),
                           headers={"stripe-signature": signature,
                                    "content-type": "application/json"})


def _event(event_id: str, user_id: str, status: str) -> str:
    return json.dumps({
        "id": event_id, "object": "event", "type": "customer.subscription.updated",
        "created": int(time.time()), "data": {"object": {
            "id": f"sub_{event_id}", "object": "subscription", "status": status,
            "cancel_at_period_end": False, "current_period_end": int(time.time()) + 2592000,
            "metadata": {"user_id": user_id},
            "items": {"data": [{"price": {"id": "price_1", "lookup_key": "plus_monthly"}}]}}}})


def _api(member: Member, method: str, path: str, **options: Any) -> httpx.Response:
    with member.http() as client:
        return client.request(method, path, **options)


def test_a_signed_stripe_event_changes_a_subscription_once(
        members: tuple[Member, Member], webhook_secret: str, stores: EmbeddedStores,
        main_cloud: RunningCloud) -> None:
    ann, _ = members
    deployment = ann.deployment
    assert _api(ann, "GET", "/v1/me/subscription").status_code == 404
    event_id = "evt_" + uuid.uuid4().hex
    body = _event(event_id, ann.id, "active")

    assert _deliver(deployment, body, _signed(body, "whsec_forged")).status_code == 400
    assert _deliver(deployment, body, _signed(body, webhook_secret,
                                              int(time.time()) - 3600)).status_code == 400
    first = _deliver(deployment, body, _signed(body, webhook_secret))
    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "event_id": event_id, "queued": True}

    def applied() -> Any:
        answer = _api(ann, "GET", "/v1/me/subscription")
        return answer.json() if answer.status_code == 200 else None

    subscription = eventually(applied, timeout=30)
    assert (subscription["plan"], subscription["status"], subscription["active"]) == (
        "plus_monthly", "active", True)
    redelivered = _deliver(deployment, body, _signed(body, webhook_secret))
    assert redelivered.status_code == 200 and redelivered.json()["queued"] is False
    with psycopg.connect(stores.database_url) as conn:
        row = conn.execute("SELECT count(*), count(processed_at) FROM payment_events"
                           " WHERE event_id = %s", (event_id,)).fetchone()
    assert row == (1, 1)


def test_coins_move_between_users_and_never_below_zero(
        members: tuple[Member, Member], stores: EmbeddedStores) -> None:
    ann, bob = members
    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        # Coins as a paid checkout would credit them: the issuer's transfer.
        conn.execute("INSERT INTO wallet_accounts (id, may_go_negative) VALUES ('issuer', true),"
                     " (%s, false) ON CONFLICT DO NOTHING", (f"user:{ann.id}",))
        with conn.transaction():
            transfer = f"e2e-{uuid.uuid4().hex}"
            conn.execute("INSERT INTO wallet_transfers (id, from_account, to_account, amount)"
                         " VALUES (%s, 'issuer', %s, 20)", (transfer, f"user:{ann.id}"))
            conn.execute("INSERT INTO wallet_entries (transfer_id, account_id, amount)"
                         " VALUES (%s, 'issuer', -20), (%s, %s, 20)",
                         (transfer, transfer, f"user:{ann.id}"))
            conn.execute("UPDATE wallet_accounts SET balance = balance - 20 WHERE id = 'issuer'")
            conn.execute("UPDATE wallet_accounts SET balance = balance + 20 WHERE id = %s",
                         (f"user:{ann.id}",))
    key = {"idempotency-key": "gift-" + uuid.uuid4().hex}
    sent = _api(ann, "POST", "/v1/wallet/transfers", json={"to": bob.username, "amount": 5},
                headers=key)
    assert sent.status_code == 201, sent.text
    again = _api(ann, "POST", "/v1/wallet/transfers", json={"to": bob.username, "amount": 5},
                 headers=key)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"

    def spend(_: int) -> int:
        return _api(ann, "POST", "/v1/wallet/transfers",
                    json={"to": bob.username, "amount": 1}).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(spend, range(20)))
    assert statuses.count(201) == 15 and statuses.count(409) == 5
    assert _api(ann, "GET", "/v1/me/wallet").json() == {"balance": 0}
    assert _api(bob, "GET", "/v1/me/wallet").json() == {"balance": 20}
    entries = _api(bob, "GET", "/v1/me/wallet/entries", params={"limit": 100}).json()
    assert sum(entry["amount"] for entry in entries["items"]) == 20
