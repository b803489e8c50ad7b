"""What happened in the local cloud, kept in memory for the /_local page and the tests.

Every part records here (invocations, queue moves, executions, connections, outbox items);
subscribers get each record as it arrives, which is how the page updates live.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Invocation:
    request_id: str
    function: str  # logical id
    source: str  # http, websocket, sqs, s3, schedule, stepfunctions, direct
    started_at: float
    duration_ms: float = 0.0
    status: str = "running"  # running, ok, error, timeout
    error: str | None = None
    cold: bool = False
    logs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies and shows up on the warm invoke path.
        return {"request_id": self.request_id, "function": self.function, "source": self.source,
                "started_at": self.started_at, "duration_ms": self.duration_ms,
                "status": self.status, "error": self.error, "cold": self.cold,
                "logs": list(self.logs)}


Listener = Callable[[str, dict[str, Any]], None]


class Recorder:
    """Bounded, thread-safe history by kind; listeners hear of every record."""

    def __init__(self, keep: int = 500) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._records: dict[str, deque[dict[str, Any]]] = {}
        self._listeners: list[Listener] = []
        self._sequence = itertools.count(1)

    def record(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        entry = {"seq": next(self._sequence), "at": time.time(), **data}
        with self._lock:
            self._records.setdefault(kind, deque(maxlen=self.keep)).append(entry)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(kind, entry)
        return entry

    def invocation(self, invocation: Invocation) -> None:
        self.record("invocation", invocation.to_dict())

    def recent(self, kind: str, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._records.get(kind, ()))
        return items[-limit:]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
