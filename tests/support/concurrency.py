"""Running calls at the same moment, each on its own thread and so its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from plaza.stores import db


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once, each on its own thread (and so its own connection); their results."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        start.wait()
        try:
            return call()
        finally:
            db.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
