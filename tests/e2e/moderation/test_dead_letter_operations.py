"""Dead letters through the stack: an admin sees the broadcast queue's dead letters counted and
sampled (tokens redacted), redrives them to the source queue and the audit log says so."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from plaza.admin import repo as admin_repo
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.sockets import Member

pytestmark = pytest.mark.e2e

TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkbHEifQ.c2ln"


@pytest.fixture
def admin(deployment: Deployment) -> Iterator[Member]:
    with ExitStack() as stack:
        member = Member(deployment, stack, f"ops_{uuid.uuid4().hex[:8]}")
        admin_repo.set_role(member.id, "admin")
        member.devices = {}
        member.sign_in("ops-" + uuid.uuid4().hex[:8])
        yield member


def _queue_urls(main_cloud: RunningCloud) -> dict[str, tuple[str, str]]:
    """name -> (queue, dead letters), as the admin function is told them."""
    env = main_cloud.cloud.stack.functions["AdminApiFunction"].environment
    pairs = (item.split("=", 1) for item in env["ADMIN_QUEUES"].split(","))
    return {name: tuple(urls.split("|", 1)) for name, urls in pairs}  # type: ignore[misc]


def test_an_admin_counts_samples_and_redrives_dead_letters(
        main_cloud: RunningCloud, admin: Member) -> None:
    _, dead = _queue_urls(main_cloud)["broadcast"]
    sqs: Any = main_cloud.aws_client("sqs")
    marker = uuid.uuid4().hex
    sqs.send_message(QueueUrl=dead, MessageBody=json.dumps(
        {"topic": f"dead-letter-{marker}", "frame": {"type": "test"}, "access_token": TOKEN}))

    with admin.http() as client:
        overview = client.get("/v1/admin/queues")
        assert overview.status_code == 200, overview.text
        queues = {item["name"]: item for item in overview.json()["items"]}
        assert set(queues) == {"notifications", "email", "search-index", "broadcast", "payments",
                               "media", "clicks"}
        assert queues["broadcast"]["dead_letters"]["depth"] >= 1

        sample = client.get("/v1/admin/queues/broadcast/dead-letters", params={"limit": 10})
        assert sample.status_code == 200, sample.text
        [mine] = [item for item in sample.json()["items"]
                  if item["body"].get("topic") == f"dead-letter-{marker}"]
        assert mine["body"]["access_token"] == "[redacted]" and TOKEN not in sample.text

        redriven = client.post("/v1/admin/queues/broadcast/redrive", json={"reason": "e2e"})
        assert redriven.status_code == 200, redriven.text
        assert redriven.json()["messages"] >= 1
        after = client.get("/v1/admin/queues").json()["items"]
        assert [q["dead_letters"]["depth"] for q in after if q["name"] == "broadcast"] == [0]

        audit = client.get("/v1/admin/audit", params={"action": "queue.redrive"}).json()["items"]
        assert audit[0]["target_id"] == "broadcast" and audit[0]["actor_id"] == admin.id
