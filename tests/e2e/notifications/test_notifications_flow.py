"""Notifications through the stack: a follow queued, consumed from SQS, stored, and then
delivered live over the WebSocket API or pushed through SNS into the outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import psycopg
import pytest
from websockets.sync.client import ClientConnection

from localcloud.embedded import EmbeddedStores
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = pytest.mark.e2e

@pytest.fixture(scope="module")
def fcm_application(main_cloud: RunningCloud) -> str:
    """The FCM platform application the consumer pushes through, as an operator would create it."""
    env = main_cloud.cloud.stack.functions["NotificationsConsumeFunction"].environment
    arn = dict(pair.split("=", 1) for pair in env["PUSH_APPLICATIONS"].split(","))["fcm"]
    sns = main_cloud.aws_client("sns")
    created = sns.create_platform_application(Name=arn.rsplit("/", 1)[1], Platform="GCM",
                                              Attributes={})["PlatformApplicationArn"]
    assert created == arn
    return arn


@pytest.fixture
def people(deployment: Deployment) -> Iterator[Callable[[str], Member]]:
    with ExitStack() as stack:
        yield lambda name: Member(deployment, stack, f"{name}_{uuid.uuid4().hex[:8]}")


def frame_of(socket: ClientConnection, kind: str, timeout: float = 15) -> dict[str, Any]:
    """The next frame of `kind`, passing over others (presence, replies)."""
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame.get("type") == kind:
            return dict(frame)


def test_an_offline_user_followed_gets_a_stored_notification_and_a_push_in_the_outbox(
        main_cloud: RunningCloud, fcm_application: str, people: Callable[[str], Member]) -> None:
    ann, bob = people("ann"), people("bob")
    bob_device = next(iter(bob.devices))
    fcm_token = f"fcm-{uuid.uuid4().hex}"
    with bob.http() as bob_http, ann.http() as ann_http:
        registered = bob_http.put(f"/v1/devices/{bob_device}/push-token",
                                  json={"token": fcm_token, "platform": "fcm"})
        assert registered.status_code == 204, registered.text
        assert ann_http.put(f"/v1/users/{bob.username}/follow").status_code == 204

        def stored() -> list[dict[str, Any]]:
            return list(bob_http.get("/v1/notifications").json()["items"])

        [notification] = eventually(stored)
        assert (notification["kind"], notification["actor_username"]) == ("follow", ann.username)
        assert bob_http.get("/v1/notifications").json()["unread_count"] == 1

        def pushes() -> list[dict[str, Any]]:
            return [item for item in main_cloud.cloud.status["outbox"]()
                    if item["channel"] == "push" and f"{ann.username} followed you" in item["body"]]

        [push] = eventually(pushes)
        assert f"/{fcm_application.rsplit('/', 1)[1]}/" in push["to"]

        read = bob_http.post("/v1/notifications/read", json={"all": True}).json()
        assert (read["updated"], read["unread_count"]) == (1, 0)


def test_an_online_user_gets_the_notification_live_and_no_push(
        main_cloud: RunningCloud, fcm_application: str, people: Callable[[str], Member]) -> None:
    cid, dan = people("cid"), people("dan")
    socket = cid.socket()
    socket.send(json.dumps({"action": "subscribe", "topic": f"user:{cid.id}"}))
    assert frame_of(socket, "subscribed")["topic"] == f"user:{cid.id}"
    with cid.http() as cid_http, dan.http() as dan_http:
        cid_device = next(iter(cid.devices))
        assert cid_http.put(f"/v1/devices/{cid_device}/push-token",
                            json={"token": f"fcm-{uuid.uuid4().hex}", "platform": "fcm"}
                            ).status_code == 204
        recorder = main_cloud.cloud.recorder
        mark = max((entry["seq"] for entry in recorder.recent("invocation", limit=1)), default=0)
        assert dan_http.put(f"/v1/users/{cid.username}/follow").status_code == 204

        frame = frame_of(socket, "notification")
        assert frame["notification"]["kind"] == "follow"
        assert frame["notification"]["actor_username"] == dan.username
        assert cid_http.get("/v1/notifications").json()["unread_count"] == 1
    # The consumer's invocation is recorded as it ends: by then any push it sent is in the outbox.
    eventually(lambda: [entry for entry in recorder.recent("invocation") if entry["seq"] > mark
                        and entry["function"] == "NotificationsConsumeFunction"])
    assert not [item for item in main_cloud.cloud.status["outbox"]()
                if f"{dan.username} followed you" in str(item.get("body"))]


def test_announcements_reach_subscribers_and_need_the_admin_role(
        main_cloud: RunningCloud, stores: EmbeddedStores, people: Callable[[str], Member]) -> None:
    eve, boss = people("eve"), people("boss")
    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET role = 'admin' WHERE id = %s", (boss.id,))
    socket = eve.socket()
    socket.send(json.dumps({"action": "subscribe", "topic": "announcements"}))
    assert frame_of(socket, "subscribed")["topic"] == "announcements"
    body = {"title": "Maintenance", "text": f"read-only at 02:00 {uuid.uuid4().hex[:6]}"}

    with eve.http() as eve_http:
        refused = eve_http.post("/v1/admin/announcements", json=body)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    # A fresh login carries the admin role in its token.
    with boss.http("admin-device-" + uuid.uuid4().hex[:8]) as boss_http:
        sent = boss_http.post("/v1/admin/announcements", json=body)
        assert sent.status_code == 202, sent.text
        assert sent.json()["reached"] >= 1

    frame = frame_of(socket, "announcement")
    assert frame["announcement"]["text"] == body["text"]
    invoked = [r["function"] for r in main_cloud.cloud.recorder.recent("invocation")]
    assert "NotificationsAnnounceFunction" in invoked


def test_a_mention_reaches_the_mentioned_user_through_the_post_fanout(
        people: Callable[[str], Member]) -> None:
    fay, gus = people("fay"), people("gus")
    with fay.http() as fay_http, gus.http() as gus_http:
        created = fay_http.post("/v1/posts", json={"text": f"lunch, @{gus.username}?"})
        assert created.status_code == 201, created.text

        def mentions() -> list[dict[str, Any]]:
            return [n for n in gus_http.get("/v1/notifications").json()["items"]
                    if n["kind"] == "mention"]

        [mention] = eventually(mentions, timeout=30)
        assert mention["actor_username"] == fay.username
        assert mention["data"] == {"post_id": created.json()["id"]}
