"""Signed-in WebSocket clients of the stack, and the local cloud's @connections reachable from
the test (for the delivery API, which only plaza's own functions call)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from plaza.stores import aws, realtime
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.sockets import Member


@pytest.fixture
def member(deployment: Deployment) -> Iterator[Callable[[str], Member]]:
    """Makes users with unique names; their sockets close at the end of the test."""
    with ExitStack() as stack:
        yield lambda name: Member(deployment, stack, f"{name}_{uuid.uuid4().hex[:8]}")


@pytest.fixture
def connections_api(main_cloud: RunningCloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let this process post through the local cloud's @connections, as a Lambda would."""
    stage = main_cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
    endpoint = main_cloud.websocket_url.replace("ws://", "http://", 1) + f"/{stage}"
    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_ENDPOINT", endpoint)
    for key, value in main_cloud.cloud.aws_env.items():
        monkeypatch.setenv(key, value)
    realtime.reset()
    aws.reset()
    yield
    realtime.reset()
    aws.reset()
