"""Razorpay as a payments provider: the signature check is the official library's
(razorpay.Utility.verify_webhook_signature: HMAC-SHA256 of the raw body with the webhook secret,
hex, in X-Razorpay-Signature), and its events read into the same provider-neutral changes as
plaza.payments.stripe_provider's.

Razorpay signs the body only: no timestamp, and the event id travels in the unsigned
X-Razorpay-Event-Id header. So a captured body replayed under another id must change nothing:
subscriptions keep the latest event time (an older or equal one changes nothing new), and coins
are credited once per payment id, not per event id.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from plaza import errors, observability

NAME = "razorpay"
SIGNATURE_HEADER = "x-razorpay-signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
MAX_EVENT_ID = 64

# Razorpay's subscription events and the ledger's status words (Stripe's, so one entitlement
# rule reads both): halted is "every retry of a charge failed", Stripe's unpaid.
SUBSCRIPTION_STATUS = {
    "subscription.activated": "active",
    "subscription.charged": "active",
    "subscription.cancelled": "canceled",
    "subscription.halted": "unpaid",
    "subscription.completed": "completed",
}


def verified(body: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event, if the body is signed with `secret`; BadRequest otherwise."""
    if not signature:
        raise errors.BadRequest("The X-Razorpay-Signature header is required")
    if not secret:
        observability.log_error("razorpay webhook refused: no webhook secret configured")
        raise errors.BadRequest("The webhook signature cannot be verified")
    try:
        text = body.decode()
    except UnicodeDecodeError as error:
        raise errors.BadRequest("The webhook body is not UTF-8") from error
    # lazy: only the webhook function ships razorpay (functions/payments/requirements.txt)
    import razorpay

    try:
        razorpay.Utility().verify_webhook_signature(text, signature, secret)
    # TypeError: a signature that is not ASCII (hmac.compare_digest refuses to compare it)
    except (razorpay.errors.SignatureVerificationError, TypeError) as error:
        raise errors.BadRequest("The webhook signature is invalid") from error
    try:
        event = json.loads(text)
    except ValueError as error:
        raise errors.BadRequest("The webhook body is not JSON") from error
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise errors.BadRequest("The webhook body is not a Razorpay event")
    return event


def event_id(header: str | None) -> str:
    """The event's id, from X-Razorpay-Event-Id (Razorpay's key for deduplicating deliveries)."""
    if not header or len(header) > MAX_EVENT_ID or not header.isprintable():
        raise errors.BadRequest("The X-Razorpay-Event-Id header is required")
    return header


def _at(epoch: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else None


def _notes(entity: dict[str, Any]) -> dict[str, Any]:
    # Razorpay sends empty notes as [] (a PHP empty array), filled ones as an object.
    notes = entity.get("notes")
    return notes if isinstance(notes, dict) else {}


def _entity(event: dict[str, Any], kind: str) -> dict[str, Any]:
    wrapper = (event.get("payload") or {}).get(kind) or {}
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def subscription_change(event: dict[str, Any]) -> dict[str, Any] | None:
    """A subscription.* event as a subscription row; None for other events or when it names no
    user (notes.user_id, set when the subscription was created)."""
    status = SUBSCRIPTION_STATUS.get(str(event.get("event")))
    if status is None:
        return None
    sub = _entity(event, "subscription")
    user_id = _notes(sub).get("user_id")
    if not sub.get("id") or not user_id:
        return None
    return {"subscription_id": str(sub["id"]), "user_id": str(user_id),
            "plan": str(sub.get("plan_id") or "unknown"), "status": status,
            "current_period_end": _at(sub.get("current_end")),
            # Razorpay cancels at the cycle's end by sending subscription.cancelled then.
            "cancel_at_period_end": False,
            "changed_at": _at(event.get("created_at")) or dt.datetime.now(dt.UTC)}


def coins_bought(event: dict[str, Any]) -> tuple[str, str, int] | None:
    """A payment.captured with notes {user_id, coins}: the payment id, whose and how many."""
    if event.get("event") != "payment.captured":
        return None
    payment = _entity(event, "payment")
    notes = _notes(payment)
    try:
        coins = int(notes.get("coins") or 0)
    except (TypeError, ValueError):
        coins = 0
    if payment.get("status") != "captured" or not payment.get("id") or not notes.get("user_id"):
        return None
    if coins <= 0:
        if notes.get("coins"):
            observability.log_error("razorpay payment names no whole number of coins",
                                    payment_id=str(payment["id"]))
        return None
    return str(payment["id"]), str(notes["user_id"]), coins
