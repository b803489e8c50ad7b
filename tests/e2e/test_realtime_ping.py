"""The realtime routes of the main template, through a WebSocket client of the stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection

from tests.support.deployment import Deployment
from tests.support.identity import sign_up_and_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def socket(deployment: Deployment) -> Iterator[ClientConnection]:
    # $connect runs the gateway authorizer: the token and device go in the query string.
    device, source = "e2e-realtime-ping", deployment.user_address()
    token = sign_up_and_in(deployment.http_url, f"ping_{uuid.uuid4().hex[:8]}", device,
                           source)["access_token"]
    with deployment.socket(f"token={token}&device_id={device}", source) as client:
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
    socket.send(json.dumps({"id": 3}))
    assert json.loads(socket.recv(timeout=10))["code"] == "unknown_action"


@pytest.mark.parametrize("frame", ["not json", "[1, 2]", '{"action": '])
def test_a_frame_that_is_not_a_json_object_is_invalid_json(socket: ClientConnection,
                                                          frame: str) -> None:
    socket.send(frame)
    reply = json.loads(socket.recv(timeout=10))
    assert (reply["type"], reply["code"], reply["status"]) == ("error", "invalid_json", 400)
