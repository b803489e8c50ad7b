"""How Razorpay's events read into the ledger's changes (plaza.payments.razorpay_provider)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import pytest

from plaza import errors
from plaza.payments import razorpay_provider

USER = "8f0c6f1e-5b7a-4d7e-9a43-0d3f7f3b2c11"
CREATED = 1_767_225_600  # 2026-01-01T00:00:00Z
PERIOD_END = CREATED + 30 * 86400


def subscription_event(name: str, notes: Any = None) -> dict[str, Any]:
    return {"entity": "event", "account_id": "acc_1", "event": name,
            "contains": ["subscription"], "created_at": CREATED,
            "payload": {"subscription": {"entity": {
                "id": "sub_1", "entity": "subscription", "plan_id": "plan_plus",
                "status": name.split(".")[1], "current_start": CREATED,
                "current_end": PERIOD_END,
                "notes": {"user_id": USER} if notes is None else notes}}}}


def payment_event(notes: Any, status: str = "captured", name: str = "payment.captured",
                  ) -> dict[str, Any]:
    return {"entity": "event", "event": name, "contains": ["payment"], "created_at": CREATED,
            "payload": {"payment": {"entity": {"id": "pay_1", "entity": "payment",
                                               "amount": 50000, "currency": "INR",
                                               "status": status, "notes": notes}}}}


@pytest.mark.parametrize(("name", "status"), [
    ("subscription.activated", "active"), ("subscription.charged", "active"),
    ("subscription.cancelled", "canceled"), ("subscription.halted", "unpaid"),
    ("subscription.completed", "completed")])
def test_subscription_events_become_ledger_rows(name: str, status: str) -> None:
    assert razorpay_provider.subscription_change(subscription_event(name)) == {
        "subscription_id": "sub_1", "user_id": USER, "plan": "plan_plus", "status": status,
        "current_period_end": dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
        "cancel_at_period_end": False,
        "changed_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}


@pytest.mark.parametrize("event", [
    subscription_event("subscription.pending"),  # not one the ledger follows
    subscription_event("subscription.activated", notes=[]),  # Razorpay's empty notes
    subscription_event("subscription.activated", notes={"plan": "x"}),  # names no user
    payment_event({"user_id": USER, "coins": "5"}),  # a payment is not a subscription
])
def test_other_events_change_no_subscription(event: dict[str, Any]) -> None:
    assert razorpay_provider.subscription_change(event) is None


def test_a_captured_payment_with_coins_in_its_notes_buys_coins() -> None:
    assert razorpay_provider.coins_bought(payment_event({"user_id": USER, "coins": "500"})) == (
        "pay_1", USER, 500)


@pytest.mark.parametrize("event", [
    payment_event({"user_id": USER, "coins": "500"}, status="authorized"),
    payment_event({"user_id": USER, "coins": "500"}, name="payment.authorized"),
    payment_event({"user_id": USER, "coins": "500"}, name="payment.failed"),
    payment_event([]),
    payment_event({"coins": "500"}),
    payment_event({"user_id": USER}),
    payment_event({"user_id": USER, "coins": "-5"}),
    payment_event({"user_id": USER, "coins": "lots"}),
    subscription_event("subscription.charged"),
])
def test_other_payments_buy_no_coins(event: dict[str, Any]) -> None:
    assert razorpay_provider.coins_bought(event) is None


def _sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_body_signed_with_the_secret_is_the_event() -> None:
    body = json.dumps(subscription_event("subscription.activated")).encode()
    assert razorpay_provider.verified(body, _sign(body, "s3cret"), "s3cret")["event"] == (
        "subscription.activated")


@pytest.mark.parametrize(("body", "signature", "secret"), [
    (b'{"event": "payment.captured"}', _sign(b'{"event": "payment.captured"}', "other"), "s3cret"),
    (b'{"event": "payment.captured"}', _sign(b'{"event":"payment.captured"}', "s3cret"), "s3cret"),
    (b'{"event": "payment.captured"}', "\u00e9" * 64, "s3cret"),  # not hex, not even ASCII
    (b'{"event": "payment.captured"}', None, "s3cret"),
    (b'{"event": "payment.captured"}', _sign(b'{"event": "payment.captured"}', ""), ""),
    (b"\xff\xfe", _sign(b"\xff\xfe", "s3cret"), "s3cret"),  # not UTF-8
    (b"[1]", _sign(b"[1]", "s3cret"), "s3cret"),  # signed, but not an event
])
def test_forged_or_malformed_deliveries_are_bad_requests(body: bytes, signature: str | None,
                                                        secret: str) -> None:
    with pytest.raises(errors.BadRequest):
        razorpay_provider.verified(body, signature, secret)


@pytest.mark.parametrize("header", [None, "", "x" * 65, "evt\n1"])
def test_the_event_id_header_is_required_and_bounded(header: str | None) -> None:
    with pytest.raises(errors.BadRequest):
        razorpay_provider.event_id(header)
    assert razorpay_provider.event_id("Ix3pq1Vc0H4mQv") == "Ix3pq1Vc0H4mQv"
