"""Whether a session is live and its user active, cached in Redis for the authorizer.

The database is the truth; Redis keeps the answer so a warm authorizer makes one round trip.
Revocations and status changes overwrite the cache right after they commit; a live answer is
cached only briefly, so a revocation that failed to reach Redis still takes effect soon.
"""

from __future__ import annotations

from collections.abc import Iterable

from plaza import errors, observability
from plaza.identity.tokens import ACCESS_TOKEN_TTL_S, LEEWAY_S
from plaza.stores import cache
from plaza.stores.cache import Command

LIVE_TTL_S = 60
USER_TTL_S = 60
# A revoked session stays known as revoked until every access token it issued has expired.
REVOKED_TTL_S = ACCESS_TOKEN_TTL_S + LEEWAY_S + 60


def _session_key(session_id: str) -> str:
    return f"authz:sid:{session_id}"


def _user_key(user_id: str) -> str:
    return f"authz:user:{user_id}"


def _mget(keys: list[str]) -> list[str | None]:
    return cache.client().run(Command(("MGET", *keys), lambda reply: [
        None if item is None else (item.decode() if isinstance(item, bytes) else str(item))
        for item in reply]))


def ensure_active(user_id: str, session_id: str) -> None:
    """Unauthorized when the session is revoked, Forbidden when the user is not active."""
    session, status = None, None
    try:
        session, status = _mget([_session_key(session_id), _user_key(user_id)])
    except errors.Unavailable:
        observability.count("SessionStateCacheMiss", reason="redis-unavailable")
    if session is None or status is None:
        # lazy: on a miss only, psycopg is most of a cold authorizer's import time
        from plaza.identity import repo

        row = repo.session_state(session_id)
        if row is None or row["user_id"] != user_id:
            raise errors.Unauthorized("The session does not exist")
        session = "revoked" if row["revoked"] else "live"
        status = str(row["status"])
        _remember({_session_key(session_id): (session, REVOKED_TTL_S if row["revoked"]
                                              else LIVE_TTL_S),
                   _user_key(user_id): (status, USER_TTL_S)})
    if session != "live":
        raise errors.Unauthorized("The session has been revoked")
    if status != "active":
        raise errors.Forbidden("The account is suspended")


def remember_revoked(session_ids: Iterable[str]) -> None:
    _remember({_session_key(sid): ("revoked", REVOKED_TTL_S) for sid in session_ids})


def remember_user_status(user_id: str, status: str) -> None:
    _remember({_user_key(user_id): (status, USER_TTL_S)})


def _remember(values: dict[str, tuple[str, int]]) -> None:
    if not values:
        return
    try:
        batch = cache.client().batch(atomic=False)
        for key, (value, ttl) in values.items():
            batch.set(key, value, ex=ttl)
        batch.execute()
    except errors.Unavailable:
        # The short LIVE_TTL_S bounds how long a stale "live" answer can outlast this failure.
        observability.log_warning("session state not cached: redis unreachable")
