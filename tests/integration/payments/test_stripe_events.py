"""Stripe webhooks on the real Postgres: signed with the stripe library's own signer, recorded
once, applied once; forged or stale ones refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe

from plaza import errors
from plaza.payments import service
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["make_user"]
SECRET = "whsec_test_secret"  # noqa: S105


def signed(body: str, secret: str = SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header as Stripe builds it, with the library's signer."""
    timestamp = int(time.time()) if at is None else at
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{body}", secret)
    return f"t={timestamp},v1={signature}"


def subscription_event(event_id: str, user_id: str, status: str, created: int,
                       cancel_at_period_end: bool = False) -> str:
    return json.dumps({
        "id": event_id, "object": "event", "type": "customer.subscription.updated",
        "created": created, "data": {"object": {
            "id": "sub_123", "object": "subscription", "status": status,
            "cancel_at_period_end": cancel_at_period_end, "current_period_end": created + 2592000,
            "metadata": {"user_id": user_id},
            "items": {"data": [{"price": {"id": "price_1", "lookup_key": "plus_monthly"}}]}}}})


def _receive_and_process(body: str) -> bool:
    event_id, new = service.receive_stripe(body, signed(body), SECRET)
    return new and service.process_event("stripe", event_id)


def test_a_signed_event_changes_the_subscription_once(make_user: MakeUser) -> None:
    ann = make_user("ann")
    now = int(time.time())
    body = subscription_event("evt_1", ann, "active", now)
    assert _receive_and_process(body)
    sub = service.subscription(ann)
    assert (sub.plan, sub.status, sub.active) == ("plus_monthly", "active", True)
    assert service.entitled(ann)
    # A redelivery is recorded already: nothing queued, nothing applied.
    assert service.receive_stripe(body, signed(body), SECRET) == ("evt_1", False)
    assert service.process_event("stripe", "evt_1") is False
    # A later event wins; an older one arriving late does not undo it.
    assert _receive_and_process(subscription_event("evt_3", ann, "past_due", now + 10, True))
    assert _receive_and_process(subscription_event("evt_2", ann, "active", now + 5))
    sub = service.subscription(ann)
    assert (sub.status, sub.cancel_at_period_end, sub.active) == ("past_due", True, False)


@pytest.mark.parametrize("header", [
    lambda body: signed(body, secret="whsec_someone_else"),
    lambda body: signed(body, at=int(time.time()) - 3600),
    lambda body: "t=1,v1=00",
])
def test_forged_or_stale_events_are_refused(make_user: MakeUser, header: Any) -> None:
    ann = make_user("ann")
    body = subscription_event("evt_x", ann, "active", int(time.time()))
    with pytest.raises(errors.BadRequest):
        service.receive_stripe(body, header(body), SECRET)
    with pytest.raises(errors.NotFound):
        service.subscription(ann)


def test_a_paid_checkout_credits_coins_once(make_user: MakeUser) -> None:
    ann = make_user("ann")
    body = json.dumps({"id": "evt_coins", "object": "event", "type": "checkout.session.completed",
                       "created": int(time.time()), "data": {"object": {
                           "id": "cs_1", "payment_status": "paid",
                           "metadata": {"user_id": ann, "coins": "500"}}}})
    assert _receive_and_process(body)
    assert service.process_event("stripe", "evt_coins") is False
    assert service.wallet(ann).balance == 500
