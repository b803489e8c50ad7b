"""The coin wallet on the real Postgres: balances are sums of entries, never negative, exact
under 50 concurrent spends; transfers replay by Idempotency-Key."""

from __future__ import annotations

from functools import partial

import pytest

from plaza import errors
from plaza.payments import repo, service
from plaza.payments.models import TransferIn
from plaza.stores import db
from tests.integration.social.conftest import MakeUser, make_user
from tests.support.concurrency import at_once

__all__ = ["make_user"]


def _credit(user_id: str, coins: int, transfer_id: str) -> None:
    assert repo.transfer(transfer_id, repo.ISSUER, repo.user_account(user_id), coins) is not None


def _ledger_balanced() -> None:
    """Every transfer's entries sum to zero, and every balance is the sum of its entries."""
    row = db.fetch_one("SELECT COALESCE(sum(amount), 0) AS total FROM wallet_entries")
    assert row == {"total": 0}
    mismatched = db.fetch_all(
        "SELECT a.id FROM wallet_accounts a LEFT JOIN wallet_entries e ON e.account_id = a.id"
        " GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(sum(e.amount), 0)")
    assert mismatched == []


def test_a_transfer_moves_coins_as_two_entries(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    _credit(ann, 100, "buy-1")
    sent = service.transfer(ann, TransferIn(to="bob", amount=30))
    assert sent.status == 201 and sent.value.balance == 70
    assert service.wallet(ann).balance == 70 and service.wallet(bob).balance == 30
    page = service.entry_page(ann, 1, None)
    assert [entry.amount for entry in page.items] == [-30] and page.next_cursor
    older = service.entry_page(ann, 1, page.next_cursor)
    assert [entry.amount for entry in older.items] == [100] and older.next_cursor is None
    _ledger_balanced()


def test_too_few_coins_yourself_or_nobody_are_refused(make_user: MakeUser) -> None:
    ann, _ = make_user("ann"), make_user("bob")
    _credit(ann, 10, "buy-1")
    with pytest.raises(errors.Conflict):
        service.transfer(ann, TransferIn(to="bob", amount=11))
    with pytest.raises(errors.Invalid):
        service.transfer(ann, TransferIn(to="ann", amount=1))
    with pytest.raises(errors.NotFound):
        service.transfer(ann, TransferIn(to="ghost", amount=1))
    assert service.wallet(ann).balance == 10
    _ledger_balanced()


def test_an_idempotency_key_replays_the_transfer(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    _credit(ann, 10, "buy-1")
    first = service.transfer(ann, TransferIn(to="bob", amount=4), "gift-1")
    again = service.transfer(ann, TransferIn(to="bob", amount=4), "gift-1")
    assert again.replayed and again.value == first.value
    assert service.wallet(bob).balance == 4
    with pytest.raises(errors.Conflict):
        service.transfer(ann, TransferIn(to="bob", amount=5), "gift-1")


def test_fifty_concurrent_spends_are_exact_and_never_negative(make_user: MakeUser) -> None:
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    _credit(ann, 30, "buy-1")

    def spend(number: int) -> str:
        try:
            service.transfer(ann, TransferIn(to="bob" if number % 2 else "cat", amount=1))
            return "sent"
        except errors.Conflict:
            return "refused"

    results = at_once([partial(spend, number) for number in range(50)])
    assert results.count("sent") == 30 and results.count("refused") == 20
    assert service.wallet(ann).balance == 0
    assert service.wallet(bob).balance + service.wallet(cat).balance == 30
    _ledger_balanced()
