"""The Plaza stack the e2e tests call: the deployment PLAZA_API_URL / PLAZA_WS_URL name, else
a local cloud the tests start themselves.

Against a deployment nothing but its public HTTP and WebSocket APIs is reachable, so the clients
here are all a test gets. Each simulated user may call from a loopback address of their own
(127.x.y.z) when the stack listens on loopback (a second `make dev`): the auth routes are limited
per source IP, and many users behind one address would throttle the suite itself.
"""

from __future__ import annotations

import ipaddress
import os
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.sync.client import ClientConnection, connect

API_URL = "PLAZA_API_URL"
WS_URL = "PLAZA_WS_URL"


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Deployment:
    """A running stack: its HTTP API's base URL and its WebSocket stage's URL."""

    http_url: str
    websocket_url: str  # the stage's URL, e.g. wss://abc.execute-api.eu-west-1.amazonaws.com/dev
    remote: bool = False

    def user_address(self) -> str | None:
        """A fresh source address for one simulated user, or None to use the machine's own."""
        if not (_is_loopback(self.http_url) and _is_loopback(self.websocket_url)):
            return None
        # 127.0.0.0/8 is all loopback on Linux; keep clear of 127.0.0.x, the machine's usual one.
        return ".".join(("127", str(random.randint(1, 254)), str(random.randint(0, 255)),
                         str(random.randint(1, 254))))

    def client(self, source: str | None = None, **options: Any) -> httpx.Client:
        """An HTTP client of the API, calling from `source` when given."""
        options.setdefault("timeout", 30)
        transport = httpx.HTTPTransport(local_address=source) if source else None
        return httpx.Client(base_url=self.http_url, transport=transport, **options)

    def socket(self, query: str = "", source: str | None = None) -> ClientConnection:
        """A WebSocket connection to the stage (`query` carries the token and device)."""
        url = f"{self.websocket_url}?{query}" if query else self.websocket_url
        options: dict[str, Any] = {"source_address": (source, 0)} if source else {}
        # An unbounded receive queue: a test that leaves frames unread would otherwise stop the
        # client reading at 16 frames, and its close handshake then waits out close_timeout (10 s
        # a socket) behind frames it will never read.
        return connect(url, open_timeout=15, max_size=2 ** 20, max_queue=None, **options)


def targeted() -> Deployment | None:
    """The deployment the environment names, or None when the tests run their own local cloud."""
    http_url, websocket_url = os.environ.get(API_URL), os.environ.get(WS_URL)
    if not http_url and not websocket_url:
        return None
    if not (http_url and websocket_url):
        raise RuntimeError(f"set both {API_URL} and {WS_URL} to target a deployment")
    return Deployment(http_url.rstrip("/"), websocket_url.rstrip("/"), remote=True)
