"""Signed-in users of the local cloud and their WebSocket connections, for realtime e2e tests."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.support.identity import sign_up_and_in
from tests.support.local_cloud import RunningCloud


class Member:
    """A signed-up user of the local cloud: id, username and how to open sockets as them."""

    def __init__(self, cloud: RunningCloud, stack: ExitStack, username: str) -> None:
        self.cloud = cloud
        self.stack = stack
        self.username = username
        self.devices: dict[str, dict[str, Any]] = {}
        self.login = self.sign_in("device-" + uuid.uuid4().hex[:8])
        self.id = str(self.login["user"]["id"])
        self.token = str(self.login["access_token"])

    def sign_in(self, device_id: str) -> dict[str, Any]:
        if device_id not in self.devices:
            self.devices[device_id] = sign_up_and_in(self.cloud.http_url, self.username, device_id)
        return self.devices[device_id]

    def socket(self, device_id: str | None = None) -> ClientConnection:
        device = device_id or next(iter(self.devices))
        token = self.sign_in(device)["access_token"]
        stage = self.cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
        url = f"{self.cloud.websocket_url}/{stage}?token={token}&device_id={device}"
        return self.stack.enter_context(connect(url, open_timeout=15, max_size=2 ** 20))
