"""Waiting for what the local cloud does asynchronously (queues, event sources, pushes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 15, every: float = 0.1) -> T:
    """`probe()`'s first truthy value, polling until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{getattr(probe, '__name__', 'probe')} stayed falsy for {timeout} s")
        time.sleep(every)
