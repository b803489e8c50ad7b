"""Razorpay webhooks on the real Postgres: signed as Razorpay signs (HMAC-SHA256 of the raw body,
checked here against the razorpay library's own verifier), recorded once by event id, applied
once; forged ones refused; a signed body replayed under a new event id credits nothing twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from functools import partial
from typing import Any

import pytest
import razorpay

from plaza import errors
from plaza.payments import service
from tests.integration.social.conftest import MakeUser, make_user
from tests.support.concurrency import at_once

__all__ = ["make_user"]
SECRET = "rzp_webhook_test_secret"  # noqa: S105


def signed(body: str, secret: str = SECRET) -> str:
    """X-Razorpay-Signature as Razorpay builds it: hex HMAC-SHA256 of the raw body."""
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    assert razorpay.Utility().verify_webhook_signature(body, signature, secret)
    return signature


def subscription_event(name: str, user_id: str, created: int, sub_id: str = "sub_rzp_1") -> str:
    return json.dumps({
        "entity": "event", "account_id": "acc_test", "event": name,
        "contains": ["subscription"], "created_at": created,
        "payload": {"subscription": {"entity": {
            "id": sub_id, "entity": "subscription", "plan_id": "plan_plus_monthly",
            "status": name.split(".")[1], "current_start": created,
            "current_end": created + 2592000, "notes": {"user_id": user_id}}}}})


def coins_event(payment_id: str, user_id: str, coins: int) -> str:
    return json.dumps({
        "entity": "event", "account_id": "acc_test", "event": "payment.captured",
        "contains": ["payment"], "created_at": int(time.time()),
        "payload": {"payment": {"entity": {
            "id": payment_id, "entity": "payment", "amount": coins * 100, "currency": "INR",
            "status": "captured", "notes": {"user_id": user_id, "coins": str(coins)}}}}})


def _deliver(body: str, event_id: str) -> bool:
    """Receive and, when new, process (what the webhook and the queue consumer do)."""
    got_id, new = service.receive_razorpay(body.encode(), signed(body), event_id, SECRET)
    assert got_id == event_id
    return new and service.process_event("razorpay", event_id)


def test_a_signed_event_changes_the_subscription_once(make_user: MakeUser) -> None:
    ann = make_user("ann")
    now = int(time.time())
    body = subscription_event("subscription.activated", ann, now)
    assert _deliver(body, "evt_rzp_1")
    sub = service.subscription(ann)
    assert (sub.plan, sub.status, sub.active) == ("plan_plus_monthly", "active", True)
    assert int(sub.current_period_end.timestamp()) == now + 2592000  # type: ignore[union-attr]
    # A redelivery (same event id) is recorded already: nothing queued, nothing applied.
    assert service.receive_razorpay(body.encode(), signed(body), "evt_rzp_1", SECRET) == (
        "evt_rzp_1", False)
    assert service.process_event("razorpay", "evt_rzp_1") is False
    # A later halt wins; an earlier charge arriving late does not undo it.
    assert _deliver(subscription_event("subscription.halted", ann, now + 10), "evt_rzp_3")
    assert _deliver(subscription_event("subscription.charged", ann, now + 5), "evt_rzp_2")
    sub = service.subscription(ann)
    assert (sub.status, sub.active) == ("unpaid", False)
    assert not service.entitled(ann)


@pytest.mark.parametrize("signature", [
    lambda body: signed(body, secret="someone_elses_secret"),
    lambda body: signed(body + " "),
    lambda body: "00" * 32,
    lambda body: None,
])
def test_forged_events_are_refused(make_user: MakeUser, signature: Any) -> None:
    ann = make_user("ann")
    body = subscription_event("subscription.activated", ann, int(time.time()))
    with pytest.raises(errors.BadRequest):
        service.receive_razorpay(body.encode(), signature(body), "evt_forged", SECRET)
    with pytest.raises(errors.NotFound):
        service.subscription(ann)


def test_an_event_without_its_id_header_is_refused(make_user: MakeUser) -> None:
    body = subscription_event("subscription.activated", make_user("ann"), int(time.time()))
    with pytest.raises(errors.BadRequest):
        service.receive_razorpay(body.encode(), signed(body), None, SECRET)


def test_a_captured_payment_credits_coins_once_even_under_a_new_event_id(
        make_user: MakeUser) -> None:
    ann = make_user("ann")
    body = coins_event("pay_rzp_1", ann, 300)
    assert _deliver(body, "evt_rzp_coins")
    assert service.process_event("razorpay", "evt_rzp_coins") is False
    # The event id header is not signed: the same signed body under another id is a new event,
    # but the payment was credited already.
    assert _deliver(body, "evt_rzp_coins_replayed")
    assert service.wallet(ann).balance == 300
    assert _deliver(coins_event("pay_rzp_2", ann, 200), "evt_rzp_coins_2")
    assert service.wallet(ann).balance == 500


def test_one_payment_under_two_event_ids_processed_at_once_credits_once_and_fails_neither(
        make_user: MakeUser) -> None:
    # Two consumers applying both at the same moment: the second must wait for the first's
    # credit and see it, not fail on the transfer's key (a failure waits out the queue's
    # visibility timeout before its retry).
    ann = make_user("ann")
    body = coins_event("pay_rzp_raced", ann, 70)
    event_ids = [f"evt_rzp_raced_{number}" for number in range(8)]
    for event_id in event_ids:
        assert service.receive_razorpay(body.encode(), signed(body), event_id, SECRET)[1]
    applied = at_once([partial(service.process_event, "razorpay", event_id)
                       for event_id in event_ids])
    assert applied == [True] * len(event_ids)
    assert service.wallet(ann).balance == 70


def test_stripe_and_razorpay_event_ids_do_not_collide(make_user: MakeUser) -> None:
    ann = make_user("ann")
    body = coins_event("pay_rzp_shared", ann, 100)
    assert _deliver(body, "evt_shared")
    assert service.process_event("stripe", "evt_shared") is False  # no such Stripe event
    assert service.wallet(ann).balance == 100
