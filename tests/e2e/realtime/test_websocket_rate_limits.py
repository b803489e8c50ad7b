"""WebSocket actions spend the user's `core` budget like HTTP routes: a client flooding `subscribe`
and `message.send` is refused with `rate_limited` and a retry_after, and keeps its connection.

This module's local cloud has a small core budget (the suite's default is effectively none).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from tests.e2e.conftest import ROOT
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e,
              pytest.mark.local_only(reason="runs a local cloud with a small core budget")]

CORE_BUDGET = 4


@pytest.fixture(scope="module")
def main_cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    limits = f"auth=100000/60,core={CORE_BUDGET}/60,media=100000/60"
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url,
                             extra_env={"RATE_LIMITS": limits}) as running:
        yield running


def test_frames_over_the_core_budget_are_refused_and_the_connection_stays_open(
        member: Callable[[str], Member]) -> None:
    alice = member("alice")
    socket = alice.socket()

    def ask(frame: dict[str, Any]) -> dict[str, Any]:
        socket.send(json.dumps(frame))
        return dict(json.loads(socket.recv(timeout=10)))

    topic = f"user:{alice.id}"
    replies = [ask({"action": "subscribe", "topic": topic, "id": n}) for n in range(CORE_BUDGET)]
    assert [reply["type"] for reply in replies] == ["subscribed"] * CORE_BUDGET

    refused = [ask({"action": "subscribe", "topic": topic, "id": "over"}),
               ask({"action": "message.send", "conversation_id": "any", "client_msg_id": "c-1",
                    "text": "flood", "id": "over-send"})]
    for reply, request_id in zip(refused, ("over", "over-send"), strict=True):
        assert (reply["type"], reply["code"], reply["status"], reply["id"]) == (
            "error", "rate_limited", 429, request_id), reply
        assert 1 <= reply["retry_after"] <= 60 // CORE_BUDGET
    # The connection is open and frames that spend no budget still work.
    assert ask({"action": "ping", "id": "still-here"}) == {"type": "pong", "id": "still-here"}
