"""Stripe as a payments provider: the signature check is the official library's
(stripe.Webhook.construct_event: HMAC-SHA256 of the raw body, timestamp tolerance), and its
events read into the provider-neutral changes plaza.payments.service applies.

Another provider is another module with the same two functions: `verified(body, headers)` and
`changes(event)`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from plaza import errors, observability

NAME = "stripe"
SIGNATURE_HEADER = "stripe-signature"
TOLERANCE_S = 300


def verified(body: str, signature: str | None, secret: str) -> dict[str, Any]:
    """The event, if the body is signed with `secret` within the tolerance; Invalid otherwise."""
    # lazy: only the webhook function ships stripe (functions/payments/requirements.txt)
    import stripe

    if not signature:
        raise errors.BadRequest("The Stripe-Signature header is required")
    if not secret:
        observability.log_error("stripe webhook refused: no signing secret configured")
        raise errors.BadRequest("The webhook signature cannot be verified")
    try:
        event = stripe.Webhook.construct_event(body, signature, secret, tolerance=TOLERANCE_S)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise errors.BadRequest("The webhook signature is invalid or stale") from error
    return dict(json.loads(body)) if event is not None else {}


def _at(epoch: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else None


def subscription_change(event: dict[str, Any]) -> dict[str, Any] | None:
    """A customer.subscription.* event as a subscription row; None for other events or when it
    names no user (metadata.user_id, set when the checkout was created)."""
    if not str(event.get("type", "")).startswith("customer.subscription."):
        return None
    sub = event["data"]["object"]
    user_id = (sub.get("metadata") or {}).get("user_id")
    if not user_id:
        return None
    items = (sub.get("items") or {}).get("data") or [{}]
    price = items[0].get("price") or {}
    period_end = sub.get("current_period_end") or items[0].get("current_period_end")
    status = "canceled" if event["type"] == "customer.subscription.deleted" else sub["status"]
    return {"subscription_id": sub["id"], "user_id": user_id,
            "plan": price.get("lookup_key") or price.get("id") or "unknown", "status": status,
            "current_period_end": _at(period_end),
            "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
            "changed_at": _at(event["created"])}


def coins_bought(event: dict[str, Any]) -> tuple[str, int] | None:
    """A paid checkout.session.completed with metadata {user_id, coins}: whose and how many."""
    if event.get("type") != "checkout.session.completed":
        return None
    session = event["data"]["object"]
    metadata = session.get("metadata") or {}
    if session.get("payment_status") != "paid" or not metadata.get("coins"):
        return None
    return str(metadata["user_id"]), int(metadata["coins"])
