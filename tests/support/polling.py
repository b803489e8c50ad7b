"""Waiting for what happens asynchronously (queues, event sources, pushes, a page's live updates).

The one polling loop of the tests: every test that waits for a state to appear calls `eventually`.
The timeout only bounds the wait, so a broken test fails instead of hanging; it is no measure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 15, every: float = 0.1,
               ignoring: tuple[type[Exception], ...] = ()) -> T:
    """`probe()`'s first truthy value, polling until `timeout` seconds have passed.

    Exceptions of the `ignoring` types count as "not yet" (e.g. an element redrawn mid-read).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except ignoring:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{getattr(probe, '__name__', 'probe')} stayed falsy for {timeout} s")
        time.sleep(every)
