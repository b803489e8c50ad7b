"""A topic with more connections than a request should post to goes through the broadcast queue."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from localcloud.template import ACCOUNT_ID
from plaza.realtime import delivery, registry
from tests.support.local_cloud import RunningCloud
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("connections_api")]

LISTENERS = delivery.BROADCAST_DIRECT_MAX + 20


def test_a_large_topic_is_broadcast_through_the_queue_to_every_connection(
        member: Callable[[str], Member], main_cloud: RunningCloud,
        monkeypatch: pytest.MonkeyPatch) -> None:
    queue = main_cloud.cloud.stack.queues["BroadcastQueue"].name
    monkeypatch.setenv("BROADCAST_QUEUE_URL",
                       f"{main_cloud.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}/{queue}")
    fan = member("fan")
    sockets = [fan.socket() for _ in range(LISTENERS)]
    topic = f"user:{fan.id}"
    for connection_id in registry.connections_of(fan.id):
        assert registry.subscribe(connection_id, topic)
    recent = main_cloud.cloud.recorder.recent("invocation", limit=1)
    seen = recent[-1]["seq"] if recent else 0

    assert delivery.publish(topic, {"type": "announcement", "n": 1}) == LISTENERS

    for socket in sockets:
        assert json.loads(socket.recv(timeout=20)) == {"type": "announcement", "n": 1}
    # The consumer's invocations are recorded as they finish, just after their last post.
    deadline = time.monotonic() + 10
    while not (consumers := [
            invocation for invocation in main_cloud.cloud.recorder.recent("invocation")
            if invocation["seq"] > seen and invocation["function"] == "RealtimeBroadcastFunction"
            and invocation["status"] != "running"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert consumers, "the broadcast consumer did not run: the topic was posted inline"
    assert all(invocation["status"] == "ok" for invocation in consumers)
