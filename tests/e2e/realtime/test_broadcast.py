"""A topic with more connections than a request should post to goes through the broadcast queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from localcloud.template import ACCOUNT_ID
from plaza.realtime import delivery, registry
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("connections_api")]

LISTENERS = delivery.BROADCAST_DIRECT_MAX + 20


def _story(cloud: RunningCloud, since: int) -> str:
    """What the local cloud did with the broadcast since `since`: for a failure message."""
    seen: list[dict[str, Any]] = [
        entry for kind in ("invocation", "queue")
        for entry in cloud.cloud.recorder.recent(kind, limit=500) if entry["seq"] > since
        and (entry.get("function") == "RealtimeBroadcastFunction" or kind == "queue")]
    return json.dumps(sorted(seen, key=lambda entry: entry["seq"]), default=str)[:4000]


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

    for index, socket in enumerate(sockets):
        try:
            frame = socket.recv(timeout=20)
        except TimeoutError:
            pytest.fail(f"socket {index} of {LISTENERS} got no frame; the local cloud's broadcast "
                        f"records: {_story(main_cloud, seen)}")
        assert json.loads(frame) == {"type": "announcement", "n": 1}

    # The consumer's invocations are recorded as they finish, just after their last post.
    def finished_consumers() -> list[dict[str, Any]]:
        return [invocation for invocation in main_cloud.cloud.recorder.recent("invocation")
                if invocation["seq"] > seen and invocation["function"] == "RealtimeBroadcastFunction"
                and invocation["status"] != "running"]

    consumers = eventually(finished_consumers, timeout=10)
    assert consumers, "the broadcast consumer did not run: the topic was posted inline"
    assert all(invocation["status"] == "ok" for invocation in consumers)
