"""Calls through the local cloud over real WebSockets: a call rings the other member, goes
unanswered and ends as missed (the call_ring machine, its timeout shortened to 6 s for this
module's cloud: long enough for a cold accept function), and one answered over call.accept ends
over call.end; the log lists both."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from localcloud.embedded import EmbeddedStores
from tests.e2e.chat.conftest import Chatter
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.local_only(reason="shortens the ring timeout")]

ROOT = Path(__file__).resolve().parents[3]
RING_SECONDS = 6
Make = Callable[[str], Chatter]


@pytest.fixture(scope="module")
def main_cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    """This module's cloud: the main template, calls ringing RING_SECONDS instead of 45."""
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, extra_env={
                                 "RATE_LIMITS": "auth=100000/60,core=100000/60,media=100000/60",
                                 "CALL_RING_TIMEOUT_S": str(RING_SECONDS)}) as running:
        yield running


def _frame(socket: ClientConnection, wanted: str, timeout: float = 30) -> dict[str, Any]:
    """The next frame of type `wanted` (presence and conversation updates are not this test's)."""
    while True:
        frame = dict(json.loads(socket.recv(timeout=timeout)))
        if frame.get("type") == wanted:
            return frame
        assert frame.get("type") != "error", frame


def test_a_call_rings_the_other_member_and_ends_as_missed(chatter: Make) -> None:
    ann, bob = chatter("ann"), chatter("bob")
    bobs, anns = bob.socket(), ann.socket()
    conversation = ann.api("POST", "/v1/conversations", {"usernames": [bob.username]}).json()["id"]

    started = ann.api("POST", "/v1/calls", {"conversation_id": conversation, "kind": "video"})
    assert started.status_code == 201, started.text
    call = started.json()
    assert call["uid"] == 1 and call["token"] and call["channel"]
    busy = bob.api("POST", "/v1/calls", {"conversation_id": conversation, "kind": "audio"})
    assert busy.status_code == 409 and busy.headers["content-type"].startswith("application/problem+json")

    incoming = _frame(bobs, "call.incoming")
    assert incoming["call"]["id"] == call["call_id"] and incoming["call"]["caller_id"] == ann.id
    assert incoming["call"]["kind"] == "video" and incoming["call"]["status"] == "ringing"
    # Nobody answers: the ring timer ends it as missed, and both hear so.
    ended = _frame(bobs, "call.ended")["call"]
    assert ended["id"] == call["call_id"] and ended["status"] == "missed"
    assert ended["ring_seconds"] >= RING_SECONDS - 0.5
    assert _frame(anns, "call.ended")["call"]["status"] == "missed"

    def missed() -> list[dict[str, Any]] | None:
        items = bob.api("GET", "/v1/notifications").json()["items"]
        return [item for item in items if item["kind"] == "call_missed"] or None

    [notice] = eventually(missed, timeout=30)
    assert notice["actor_id"] == ann.id and notice["data"]["call_id"] == call["call_id"]

    # The next call is answered over the socket, then hung up.
    second = bob.api("POST", "/v1/calls", {"conversation_id": conversation, "kind": "audio"}).json()
    assert _frame(anns, "call.incoming")["call"]["id"] == second["call_id"]
    anns.send(json.dumps({"action": "call.accept", "call_id": second["call_id"], "id": "a-1"}))
    accepted = _frame(anns, "call.accepted")
    assert accepted["id"] == "a-1" and accepted["uid"] == 2 and accepted["token"]
    assert accepted["channel"] == second["channel"]
    assert _frame(bobs, "call.accepted")["user_id"] == ann.id
    bobs.send(json.dumps({"action": "call.end", "call_id": second["call_id"]}))
    assert _frame(anns, "call.ended")["call"]["status"] == "ended"

    log = ann.api("GET", f"/v1/conversations/{conversation}/calls").json()["items"]
    assert [(item["id"], item["status"]) for item in log] == [
        (second["call_id"], "ended"), (call["call_id"], "missed")]
    assert log[0]["duration_seconds"] is not None and log[1]["duration_seconds"] is None
    outsider = chatter("carl")
    assert outsider.api("GET", f"/v1/conversations/{conversation}/calls").status_code == 404
