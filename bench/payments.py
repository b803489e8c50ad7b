"""Payments row: wallet transfer p95 with 50 transfers at once (goal <= 20 ms), the ledger
balanced after (every transfer's entries sum to zero, every balance is its entries' sum).

Runs in this process against embedded Postgres: 50 senders, each with coins, each sending to the
next at the same moment, in rounds (a ring: with the sender's row locked before the receiver's,
a full ring deadlocks); every transfer is the service call (the recipient's lookup, then one
statement: both balances locked in id order, the transfer and its two entries).
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from bench import report
from bench.stores import private_stores

SENDERS = 50
ROUNDS = 10


def rows() -> list[dict[str, Any]]:
    with private_stores(STAGE="test") as stores:
        return _measure(stores)


def _measure(stores: Any) -> list[dict[str, Any]]:
    import psycopg

    from plaza.identity import repo as identity_repo
    from plaza.payments import repo, service
    from plaza.payments.models import TransferIn

    suffix = uuid.uuid4().hex[:6]
    names = [f"w{number}_{suffix}" for number in range(SENDERS)]
    ids = [str(identity_repo.insert_user(name, f"{name}@example.edu", name, "x")["id"])
           for name in names]
    for user_id in ids:
        repo.transfer(f"seed-{user_id}", repo.ISSUER, repo.user_account(user_id), 1000)

    samples: list[float] = []
    lock = threading.Lock()

    def send(number: int, start: threading.Barrier, timed: bool) -> None:
        start.wait()
        began = time.perf_counter()
        service.transfer(ids[number], TransferIn(to=names[(number + 1) % SENDERS], amount=3))
        if timed:
            with lock:
                samples.append((time.perf_counter() - began) * 1000)

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        # A first round opens each thread's connection; it is not timed.
        for round_number in range(ROUNDS + 1):
            start = threading.Barrier(SENDERS)
            list(pool.map(partial(send, start=start, timed=round_number > 0), range(SENDERS)))
    with psycopg.connect(stores.database_url) as conn:
        total = conn.execute("SELECT COALESCE(sum(amount), 0) FROM wallet_entries").fetchone()
        off = conn.execute(
            "SELECT count(*) FROM (SELECT a.id FROM wallet_accounts a LEFT JOIN wallet_entries e"
            " ON e.account_id = a.id GROUP BY a.id, a.balance"
            " HAVING a.balance <> COALESCE(sum(e.amount), 0)) x").fetchone()
    balanced = total == (0,) and off == (0,)
    samples.sort()
    return [report.row("wallet transfer p95, 50 at once", round(samples[int(len(samples) * 0.95)], 2),
                       "ms", note=f"goal <= 20 ms; {len(samples)} transfers in {ROUNDS} rounds;"
                       f" ledger {'balanced' if balanced else 'NOT balanced'}")]
