"""Payments SQL: provider events, subscriptions and the wallet ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.stores import db

Row = dict[str, Any]
ISSUER = "issuer"


def user_account(user_id: str) -> str:
    return f"user:{user_id}"


def record_event(provider: str, event_id: str, type_: str, payload: str) -> bool:
    """Store the event once; whether it still waits to be applied (True for a new event, and for
    a redelivery of one whose queueing may have failed; False once applied)."""
    row = db.fetch_one(
        "INSERT INTO payment_events (provider, event_id, type, payload) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (provider, event_id) DO UPDATE SET provider = EXCLUDED.provider"
        " RETURNING processed_at IS NULL AS pending", (provider, event_id, type_, payload))
    return bool(row and row["pending"])


def claim_event(provider: str, event_id: str) -> Row | None:
    """The event, marked processed in the caller's transaction; None when done already."""
    return db.fetch_one(
        "UPDATE payment_events SET processed_at = clock_timestamp() WHERE provider = %s"
        " AND event_id = %s AND processed_at IS NULL RETURNING type, payload", (provider, event_id))


def apply_subscription(provider: str, subscription_id: str, user_id: str, plan: str, status: str,
                       current_period_end: dt.datetime | None, cancel_at_period_end: bool,
                       changed_at: dt.datetime) -> None:
    """Upsert the subscription unless a later event already changed it."""
    db.execute(
        "INSERT INTO subscriptions (provider, provider_subscription_id, user_id, plan, status,"
        " current_period_end, cancel_at_period_end, changed_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (provider, provider_subscription_id) DO UPDATE SET plan = EXCLUDED.plan,"
        " status = EXCLUDED.status, current_period_end = EXCLUDED.current_period_end,"
        " cancel_at_period_end = EXCLUDED.cancel_at_period_end, changed_at = EXCLUDED.changed_at"
        " WHERE subscriptions.changed_at <= EXCLUDED.changed_at",
        (provider, subscription_id, user_id, plan, status, current_period_end,
         cancel_at_period_end, changed_at))


def subscription(user_id: str) -> Row | None:
    return db.fetch_one(
        "SELECT plan, status, current_period_end, cancel_at_period_end FROM subscriptions"
        " WHERE user_id = %s ORDER BY changed_at DESC LIMIT 1", (user_id,))


def user_id_by_username(username: str) -> str | None:
    row = db.fetch_one("SELECT id::text AS id FROM users WHERE username = %s AND status = 'active'",
                       (username,))
    return row["id"] if row else None


class _NoSenderAccount(Exception):
    pass


def transfer(transfer_id: str, from_account: str, to_account: str, amount: int) -> Row | None:
    """Move `amount` as one transfer of two entries; None when the sender has too little.

    One statement does it all, so the row locks are held for one round trip and the commit (as
    eight statements, 50 concurrent transfers queued 105-125 ms at p95). Both balances change in
    one upsert (accounts open on first use), its rows in id order, so two opposite transfers lock
    alike and cannot deadlock; each concurrent spend sees the balance the one before left, and
    the CHECK refuses a user's balance below zero. A user sending with no account yet has no coins:
    the transaction is rolled back. Foreign keys are checked at the
    statement's end, after the accounts exist.
    """
    import psycopg

    # The proposed rows carry a zero balance (a CHECK applies to them even when they conflict);
    # the change is applied by the conflict's UPDATE.
    first, second = sorted([from_account, to_account])
    try:
        with db.transaction():
            row = db.fetch_one(
                "WITH moved AS (INSERT INTO wallet_accounts AS a (id, may_go_negative)"
                "  VALUES (%(a1)s, %(a1)s = %(i)s), (%(a2)s, %(a2)s = %(i)s)"
                "  ON CONFLICT (id) DO UPDATE SET balance = a.balance"
                "  + CASE WHEN a.id = %(f)s THEN -%(n)s::bigint ELSE %(n)s::bigint END"
                "  RETURNING id, balance, xmax = 0 AS inserted),"
                " recorded AS (INSERT INTO wallet_transfers (id, from_account, to_account, amount)"
                "  VALUES (%(x)s, %(f)s, %(t)s, %(n)s) RETURNING id, created_at),"
                " entries AS (INSERT INTO wallet_entries (transfer_id, account_id, amount)"
                "  SELECT recorded.id, e.account, e.amount FROM recorded,"
                "  (VALUES (%(f)s, -%(n)s::bigint), (%(t)s, %(n)s::bigint)) AS e (account, amount))"
                " SELECT recorded.id, recorded.created_at, moved.balance, moved.inserted,"
                " (SELECT inserted FROM moved WHERE id = %(t)s) AS receiver_inserted"
                " FROM recorded JOIN moved ON moved.id = %(f)s",
                {"a1": first, "a2": second, "i": ISSUER, "x": transfer_id, "f": from_account,
                 "t": to_account, "n": amount})
            assert row is not None
            # An account opened just now holds the zero balance: apply its change (once per
            # account; the issuer's only after a fresh install).
            if row["inserted"]:
                if from_account != ISSUER:
                    raise _NoSenderAccount
                row["balance"] = db.fetch_one(
                    "UPDATE wallet_accounts SET balance = balance - %s WHERE id = %s"
                    " RETURNING balance", (amount, from_account))["balance"]  # type: ignore[index]
            if row["receiver_inserted"]:
                db.execute("UPDATE wallet_accounts SET balance = balance + %s WHERE id = %s",
                           (amount, to_account))
    except _NoSenderAccount:
        return None
    except psycopg.errors.CheckViolation as exc:
        if getattr(exc.diag, "constraint_name", None) == "wallet_accounts_never_negative":
            return None
        raise
    return {"id": row["id"], "created_at": row["created_at"], "balance": row["balance"]}


def hold_transfer_id(transfer_id: str) -> None:
    """Hold `transfer_id`'s advisory lock until the transaction ends: two transactions about to
    make the same transfer (two consumers crediting one payment) run one after the other, so
    the second sees the first's transfer instead of failing on its key."""
    db.execute("SELECT pg_advisory_xact_lock(hashtextextended('wallet_transfer:' || %s, 0))",
               (transfer_id,))


def transfer_exists(transfer_id: str) -> bool:
    return db.fetch_one("SELECT 1 AS one FROM wallet_transfers WHERE id = %s",
                        (transfer_id,)) is not None


def balance(account: str) -> int:
    row = db.fetch_one("SELECT balance FROM wallet_accounts WHERE id = %s", (account,))
    return int(row["balance"]) if row else 0


def entries(account: str, before: tuple[Any, str] | None, limit: int) -> list[Row]:
    """The account's entries, newest first, after the keyset `before` (created_at, id)."""
    keyset = "AND (created_at, id) < (%(at)s, %(id)s::uuid)" if before else ""
    return db.fetch_all(
        "SELECT id::text AS id, transfer_id, amount, created_at FROM wallet_entries"  # noqa: S608
        f" WHERE account_id = %(account)s {keyset} ORDER BY created_at DESC, id DESC"
        " LIMIT %(limit)s",
        {"account": account, "at": before[0] if before else None,
         "id": before[1] if before else None, "limit": limit + 1})
