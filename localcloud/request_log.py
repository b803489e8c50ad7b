"""One line per request on the `make dev` terminal, as other local emulators print.

    07:41:02  GET /v1/feed  200  12.4 ms  FeedFunction warm, Authorizer cold
    07:41:03  WS sendMessage  200  8.1 ms  ChatSendFunction warm

A gateway opens a line around a request; the runtime adds each function it invokes for that
request (the line travels in a context variable, so the gateways need not pass it along), and
the line is printed when the request is answered. EMF metric lines a function prints are
CloudWatch's business, not the terminal's: they are shown only when verbose.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestLine:
    label: str  # "GET /v1/feed", "WS $connect"
    started: float = field(default_factory=time.perf_counter)
    status: int | str = "-"
    functions: list[tuple[str, bool]] = field(default_factory=list)  # (function, cold)

    def render(self) -> str:
        elapsed_ms = (time.perf_counter() - self.started) * 1000
        invoked = ", ".join(f"{function} {'cold' if cold else 'warm'}"
                            for function, cold in self.functions) or "-"
        return (f"{time.strftime('%H:%M:%S')}  {self.label}  {self.status}  "
                f"{elapsed_ms:.1f} ms  {invoked}")


_current: ContextVar[RequestLine | None] = ContextVar("localcloud_request_line", default=None)


def invoked(function: str, cold: bool) -> None:
    """Called by the runtime for every invocation: noted on the request it serves, if any."""
    line = _current.get()
    if line is not None:
        line.functions.append((function, cold))


def is_metric_line(line: str) -> bool:
    """An EMF document (Powertools prints one JSON object per flush)."""
    return line.startswith("{") and '"CloudWatchMetrics"' in line


def _print(text: str) -> None:
    print(text, flush=True)


class RequestLog:
    def __init__(self, enabled: bool = True, write: Callable[[str], None] = _print) -> None:
        self.enabled = enabled
        self.write = write

    @contextlib.contextmanager
    def request(self, label: str) -> Iterator[RequestLine]:
        """A line for the request handled in the block; set `.status` before it ends."""
        line = RequestLine(label)
        token = _current.set(line)
        try:
            yield line
        finally:
            _current.reset(token)
            if self.enabled:
                self.write(line.render())

    def noting_status(self, line: RequestLine, send: Any) -> Any:
        """An ASGI `send` that notes the response's status on `line`."""

        async def noting(message: dict[str, Any]) -> None:
            kind = message.get("type")
            if kind in ("http.response.start", "websocket.http.response.start"):
                line.status = int(message.get("status", 0))
            elif kind == "websocket.accept":
                line.status = 101
            elif kind == "websocket.close" and line.status == "-":
                # A refused upgrade without the denial-response extension: the client sees 403.
                line.status = 403
            await send(message)

        return noting


class _RefusedUpgradeNoise(logging.Filter):
    """uvicorn (websockets-sansio) logs "ASGI callable returned without completing handshake"
    after every upgrade refused with an HTTP response (a failed $connect), which it has in fact
    sent in full: the request line already says 401/403, so the error is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("ASGI callable returned without completing handshake")


_NOISE = _RefusedUpgradeNoise()


def hide_refused_upgrade_errors() -> None:
    logging.getLogger("uvicorn.error").addFilter(_NOISE)  # a filter is added once, however often
