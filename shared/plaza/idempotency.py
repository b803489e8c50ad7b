"""Idempotency-Key on create routes: a retry with the same key and request gets the first answer.

A key is claimed in the transaction that creates the thing, so the claim and the write commit
together: of two concurrent requests with one key, the second waits on the key's row until the
first commits, then replays its answer. The same key with another request (another body, route
or target: the fingerprint) is a 409. Keys are per user and live TTL_S; `sweep` drops expired ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from plaza import errors
from plaza.stores import db

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")

HEADER = "idempotency-key"
REPLAYED_HEADER = "idempotent-replayed"  # on a response that repeats the first one
# Long enough to cover a client's retries over a flaky network, short enough to keep the table small.
TTL_S = 24 * 3600
SWEEP_BATCH = 5000
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class Stored(NamedTuple):
    """The answer the first request with a key got: its status and JSON body."""

    status: int
    body: Any


class Outcome(NamedTuple, Generic[M]):
    """What a create answered: its status, the thing, and whether this is a replay of it."""

    status: int
    value: M
    replayed: bool


def replayed_headers(replayed: bool) -> dict[str, str]:
    """The response headers saying whether this answer repeats the first request's."""
    return {REPLAYED_HEADER: "true"} if replayed else {}


def checked_key(key: str | None) -> str | None:
    """The Idempotency-Key header's value, if any; 422 when it is not 1-255 printable ASCII."""
    if key is not None and not _KEY.fullmatch(key):
        raise errors.Invalid("The Idempotency-Key header is not valid", errors=[{
            "field": f"header.{HEADER}", "type": "idempotency_key",
            "message": "1 to 255 printable ASCII characters, no spaces"}])
    return key


def fingerprint(request: Any) -> str:
    """A hash of what the request asks for (JSON-able: its body, and for a route acting on
    something, that something), to tell a retry from a reuse of the key."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(user_id: str, key: str, request_fingerprint: str) -> Stored | None:
    """Claim `key` inside the creating transaction: None when this request holds it now (create,
    then `remember` the answer), else the first request's answer; Conflict for another request.

    A concurrent request with the same key waits on the primary key until the holder's
    transaction ends, then sees its answer. An expired record is taken over as if absent.
    """
    claimed = db.fetch_one(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, expires_at)"
        " VALUES (%(user)s, %(key)s, %(hash)s, now() + make_interval(secs => %(ttl)s))"
        " ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
        " status = NULL, response = NULL, created_at = now(), expires_at = EXCLUDED.expires_at"
        " WHERE idempotency_keys.expires_at <= now() RETURNING true AS claimed",
        {"user": user_id, "key": key, "hash": request_fingerprint, "ttl": TTL_S},
    )
    if claimed is not None:
        return None
    held = db.fetch_one("SELECT request_hash, status, response FROM idempotency_keys"
                        " WHERE user_id = %s AND key = %s", (user_id, key))
    assert held is not None  # the insert above conflicted with this row, in this transaction
    if held["request_hash"] != request_fingerprint:
        raise errors.Conflict("This Idempotency-Key was used with another request")
    return Stored(held["status"], held["response"])


def remember(user_id: str, key: str, status: int, value: BaseModel) -> None:
    """Store the answer to the request that claimed `key` (in its transaction)."""
    db.execute("UPDATE idempotency_keys SET status = %s, response = %s::jsonb"
               " WHERE user_id = %s AND key = %s",
               (status, value.model_dump_json(), user_id, key))


def once(user_id: str, key: str | None, request: Any, model: type[M],
         create: Callable[[], tuple[int, M]]) -> Outcome[M]:
    """Run `create` (it returns its status and the thing) once per key and request.

    `create` runs in one transaction with the claim (its own transactions become savepoints of
    it), so the thing is written and read back before the commit: no database error after the
    commit can fail the request. Side effects belong after this returns, and only when the
    outcome is not a replay.
    """
    key = checked_key(key)
    with db.transaction():
        stored = claim(user_id, key, fingerprint(request)) if key else None
        if stored is not None:
            return Outcome(stored.status, model.model_validate(stored.body), True)
        status, value = create()
        if key:
            remember(user_id, key, status, value)
    return Outcome(status, value, False)


def sweep(max_batches: int = 100) -> int:
    """Delete expired records in bounded batches (short locks); how many."""
    deleted = 0
    for _ in range(max_batches):
        batch = db.execute(
            "DELETE FROM idempotency_keys k USING (SELECT user_id, key FROM idempotency_keys"
            " WHERE expires_at <= now() ORDER BY expires_at LIMIT %s) old"
            " WHERE k.user_id = old.user_id AND k.key = old.key", (SWEEP_BATCH,))
        deleted += batch
        if batch < SWEEP_BATCH:
            break
    return deleted
