"""Payments: webhook events recorded once and applied from the PaymentsQueue; subscriptions as
the provider last described them; a coin wallet whose balance is the sum of its ledger entries
and never goes negative, however many spends race.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from plaza import errors, idempotency, observability
from plaza.pagination import decode_cursor, page_of
from plaza.payments import razorpay_provider, repo, stripe_provider
from plaza.payments.models import (
    EntryOut,
    EntryPage,
    SubscriptionOut,
    TransferIn,
    TransferOut,
    WalletOut,
)
from plaza.stores import db

ENTITLED = frozenset({"active", "trialing"})


# ---------------------------------------------------------------- webhooks

def receive_stripe(body: str, signature: str | None, secret: str) -> tuple[str, bool]:
    """Verify and record a Stripe event: its id and whether it is new (to be queued)."""
    event = stripe_provider.verified(body, signature, secret)
    return _recorded(stripe_provider.NAME, str(event["id"]), str(event["type"]), body)


def receive_razorpay(body: bytes, signature: str | None, event_id: str | None,
                     secret: str) -> tuple[str, bool]:
    """Verify and record a Razorpay event (its id is the X-Razorpay-Event-Id header): its id and
    whether it is new (to be queued)."""
    event = razorpay_provider.verified(body, signature, secret)
    return _recorded(razorpay_provider.NAME, razorpay_provider.event_id(event_id),
                     str(event["event"]), body.decode())


def _recorded(provider: str, event_id: str, type_: str, body: str) -> tuple[str, bool]:
    new = repo.record_event(provider, event_id, type_, body)
    observability.count("PaymentEventReceived", provider=provider,
                        replay="false" if new else "true")
    return event_id, new


def process_event(provider: str, event_id: str) -> bool:
    """Apply a recorded event once (its claim and its effects commit together); False when it
    was applied before."""
    if provider not in (stripe_provider.NAME, razorpay_provider.NAME):
        raise errors.Invalid(f"Unknown provider {provider!r}")
    with db.transaction():
        row = repo.claim_event(provider, event_id)
        if row is None:
            return False
        payload = row["payload"]
        event: dict[str, Any] = payload if isinstance(payload, dict) else json.loads(payload)
        if provider == razorpay_provider.NAME:
            _apply_razorpay(event)
        else:
            _apply_stripe(event_id, event)
    return True


def _apply_stripe(event_id: str, event: dict[str, Any]) -> None:
    _apply_subscription(stripe_provider.NAME, stripe_provider.subscription_change(event))
    bought = stripe_provider.coins_bought(event)
    if bought is not None:
        user_id, coins = bought
        repo.transfer(f"{stripe_provider.NAME}:{event_id}", repo.ISSUER,
                      repo.user_account(user_id), coins)


def _apply_razorpay(event: dict[str, Any]) -> None:
    _apply_subscription(razorpay_provider.NAME, razorpay_provider.subscription_change(event))
    bought = razorpay_provider.coins_bought(event)
    if bought is not None:
        # Keyed by the payment, not the event: the event id header is not signed, so the same
        # signed body under a new id must not credit twice.
        payment_id, user_id, coins = bought
        transfer_id = f"{razorpay_provider.NAME}:{payment_id}"
        repo.hold_transfer_id(transfer_id)
        if not repo.transfer_exists(transfer_id):
            repo.transfer(transfer_id, repo.ISSUER, repo.user_account(user_id), coins)


def _apply_subscription(provider: str, change: dict[str, Any] | None) -> None:
    if change is not None:
        repo.apply_subscription(provider, change["subscription_id"], change["user_id"],
                                change["plan"], change["status"], change["current_period_end"],
                                change["cancel_at_period_end"], change["changed_at"])


# ---------------------------------------------------------------- subscriptions

def subscription(user_id: str) -> SubscriptionOut:
    row = repo.subscription(user_id)
    if row is None:
        raise errors.NotFound("No subscription")
    return SubscriptionOut(**row, active=row["status"] in ENTITLED)


def entitled(user_id: str) -> bool:
    """Whether the user's plan is paid up now (the check behind any paid feature)."""
    row = repo.subscription(user_id)
    return row is not None and row["status"] in ENTITLED


# ---------------------------------------------------------------- wallet

def wallet(user_id: str) -> WalletOut:
    return WalletOut(balance=repo.balance(repo.user_account(user_id)))


def entry_page(user_id: str, limit: int, cursor: str | None) -> EntryPage:
    rows = repo.entries(repo.user_account(user_id), decode_cursor(cursor), limit)
    rows, next_cursor = page_of(rows, limit, "created_at", "id")
    return EntryPage(items=[EntryOut(**row) for row in rows], next_cursor=next_cursor)


def transfer(user_id: str, body: TransferIn, idempotency_key: str | None = None,
             ) -> idempotency.Outcome[TransferOut]:
    """Gift coins to another user; 409 when the sender has too few. With a key, a retry gets
    the first answer back and moves nothing."""
    return idempotency.once(user_id, idempotency_key, {"transfer": body.model_dump(mode="json")},
                            TransferOut, lambda: _transferred(user_id, body))


def _transferred(user_id: str, body: TransferIn) -> tuple[int, TransferOut]:
    to_user = repo.user_id_by_username(body.to)
    if to_user is None:
        raise errors.NotFound("No such user")
    if to_user == user_id:
        raise errors.Invalid("Coins go to someone else", errors=[
            {"field": "body.to", "message": "name someone besides yourself", "type": "self"}])
    row = repo.transfer(str(uuid.uuid4()), repo.user_account(user_id), repo.user_account(to_user),
                        body.amount)
    if row is None:
        raise errors.Conflict("Not enough coins")
    return 201, TransferOut(id=row["id"], to_user_id=to_user, amount=body.amount,
                            balance=row["balance"], created_at=row["created_at"])
