"""The realtime routes of the main template, through a WebSocket client on the local cloud."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection, connect

from localcloud.embedded import EmbeddedStores
from tests.support.identity import sign_up_and_in
from tests.support.local_cloud import RunningCloud, running_local_cloud

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as running:
        yield running


@pytest.fixture
def socket(cloud: RunningCloud) -> Iterator[ClientConnection]:
    stage = cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
    # $connect runs the gateway authorizer: the token and device go in the query string.
    device = "e2e-realtime-ping"
    token = sign_up_and_in(cloud.http_url, "ping_tester", device)["access_token"]
    url = f"{cloud.websocket_url}/{stage}?token={token}&device_id={device}"
    with connect(url, open_timeout=15) as client:
        yield client


def test_ping_is_answered_with_pong_through_connections(socket: ClientConnection) -> None:
    socket.send(json.dumps({"action": "ping", "id": 7}))
    assert json.loads(socket.recv(timeout=10)) == {"type": "pong", "id": 7}


def test_unknown_action_is_answered_with_an_error(socket: ClientConnection) -> None:
    socket.send(json.dumps({"action": "nope"}))
    reply = json.loads(socket.recv(timeout=10))
    assert reply["type"] == "error"
    assert reply["code"] == "unknown_action"
    assert "nope" in reply["detail"]


def test_message_without_an_action_is_answered_with_an_error(socket: ClientConnection) -> None:
    socket.send("not json")
    assert json.loads(socket.recv(timeout=10))["code"] == "unknown_action"
