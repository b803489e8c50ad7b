"""A TCP server that never answers: a stalled dependency (Redis, an AWS endpoint) as its client
sees it, counting the connections clients open so a test can tell a retry from a single try."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from plaza.stores import aws


class SilentServer:
    """Accepts connections and reads requests but never answers. Counts the connections."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self._listener.accept()
                self.connections += 1
                self._held.append(conn)  # open and unanswered, like a SIGSTOPped server

    def close(self) -> None:
        self._listener.close()
        for conn in self._held:
            conn.close()


@contextlib.contextmanager
def stalled_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SilentServer]:
    """Every plaza AWS client, fresh, pointed at a server that never answers."""
    server = SilentServer()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws.reset()
    try:
        yield server
    finally:
        aws.reset()
        server.close()
