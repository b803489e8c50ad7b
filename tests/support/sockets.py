"""Signed-in users of the stack under test and their WebSocket connections, for realtime e2e."""

from __future__ import annotations

import json
import uuid
from contextlib import ExitStack
from typing import Any

import httpx
from websockets.sync.client import ClientConnection

from tests.support.deployment import Deployment
from tests.support.identity import sign_up_and_in


class Member:
    """A signed-up user: id, username, and how to open sockets and HTTP clients as them."""

    def __init__(self, deployment: Deployment, stack: ExitStack, username: str) -> None:
        self.deployment = deployment
        self.stack = stack
        self.username = username
        self.source = deployment.user_address()
        self.devices: dict[str, dict[str, Any]] = {}
        self.login = self.sign_in("device-" + uuid.uuid4().hex[:8])
        self.id = str(self.login["user"]["id"])
        self.token = str(self.login["access_token"])

    def sign_in(self, device_id: str) -> dict[str, Any]:
        if device_id not in self.devices:
            self.devices[device_id] = sign_up_and_in(self.deployment.http_url, self.username,
                                                     device_id, self.source)
        return self.devices[device_id]

    def socket(self, device_id: str | None = None) -> ClientConnection:
        device = device_id or next(iter(self.devices))
        token = self.sign_in(device)["access_token"]
        return self.stack.enter_context(
            self.deployment.socket(f"token={token}&device_id={device}", self.source))

    def http(self, device_id: str | None = None) -> httpx.Client:
        """An HTTP client signed in on `device_id` (the first device by default); close it."""
        device = device_id or next(iter(self.devices))
        token = self.sign_in(device)["access_token"]
        return self.deployment.client(self.source, headers={
            "authorization": f"Bearer {token}", "x-device-id": device})


def frames_before_pong(socket: ClientConnection, timeout: float = 10) -> list[dict[str, Any]]:
    """Ping with a fresh id; the frames that arrive before its pong.

    The gateway sends a connection's frames in the order they were posted, and the pong is
    posted only after the ping is sent: whatever was posted to this socket before then arrives
    first. An empty list proves nothing was on its way, without waiting for a quiet spell.
    """
    marker = uuid.uuid4().hex
    socket.send(json.dumps({"action": "ping", "id": marker}))
    before = []
    while (frame := dict(json.loads(socket.recv(timeout=timeout)))) != {"type": "pong",
                                                                        "id": marker}:
        before.append(frame)
    return before
