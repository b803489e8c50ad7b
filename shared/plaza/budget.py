"""How long one invocation may wait on a store: once a store has cost its budget, calls give up.

Most Redis calls on a request path fail open (a cache read, a rate limit, a counter): a stalled
Redis costs each its timeout and the request still succeeds, but enough of them in a row would
push the request past the function's timeout after its write committed, and the client's retry
would write twice. `plaza.http.endpoint` opens a budget per request; a store adds up what its
calls cost and, once the budget is spent, fails the rest at once (a circuit for the rest of the
invocation). Outside an opened budget (queue consumers, scheduled jobs) nothing is counted.
Kept apart from the store clients: importing it costs the liveness function next to nothing.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

# Seconds each store has cost in the current invocation; None outside one. A ContextVar, so
# threads (tests, tools) each count their own invocation.
_spent: ContextVar[dict[str, float] | None] = ContextVar("plaza_store_time_spent", default=None)


class Invocation:
    """`with Invocation():` counts store time from zero for the block (one request).

    A class, not @contextmanager: contextlib would be ~1 ms of every function's cold start.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token: Token[dict[str, float] | None] = _spent.set({})

    def __exit__(self, *_: Any) -> None:
        _spent.reset(self._token)


def spent(store: str) -> float:
    """Seconds `store` has cost in this invocation (0 outside one)."""
    counted = _spent.get()
    return counted.get(store, 0.0) if counted is not None else 0.0


def charge(store: str, seconds: float) -> None:
    """Add the time a call to `store` took; nothing outside an invocation."""
    counted = _spent.get()
    if counted is not None:
        counted[store] = counted.get(store, 0.0) + seconds
