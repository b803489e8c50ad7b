"""The hub over real WebSocket clients: topics, presence, bad frames.

Tests that publish through plaza's delivery API (only plaza's own functions call it) need the
local cloud's @connections from this process: `connections_api`, so local only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from plaza.realtime import delivery
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member, frames_before_pong

pytestmark = pytest.mark.e2e
publishes = pytest.mark.usefixtures("connections_api")


def ask(socket: ClientConnection, frame: dict[str, Any] | str) -> dict[str, Any]:
    socket.send(frame if isinstance(frame, str) else json.dumps(frame))
    return dict(json.loads(socket.recv(timeout=10)))


def quiet(socket: ClientConnection) -> bool:
    """Nothing was on its way to the socket: its next frame is the pong of a ping sent now."""
    return frames_before_pong(socket) == []


def conversation_of(owner: Member, *others: Member) -> str:
    with owner.http() as http:
        created = http.post("/v1/conversations",
                            json={"usernames": [other.username for other in others]})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def disconnect_handled(cloud: RunningCloud, closing: Callable[[], None]) -> None:
    """Run `closing` (one socket's close) and wait until its $disconnect invocation has ended,
    so whatever it was going to post has been posted."""
    recorder = cloud.cloud.recorder
    mark = max((entry["seq"] for kind in ("connection", "invocation")
                for entry in recorder.recent(kind, limit=1)), default=0)
    closing()

    def gone() -> int:
        return next((entry["seq"] for entry in recorder.recent("connection")
                     if entry["seq"] > mark and entry["event"] == "disconnect"), 0)

    closed_at = eventually(gone, timeout=10)
    eventually(lambda: [entry for entry in recorder.recent("invocation")
                        if entry["seq"] > closed_at
                        and entry["function"] == "RealtimeDisconnectFunction"], timeout=10)


@publishes
def test_own_user_topic_and_announcements_are_allowed(member: Callable[[str], Member]) -> None:
    alice = member("alice")
    socket = alice.socket()
    assert ask(socket, {"action": "subscribe", "topic": f"user:{alice.id}", "id": 1}) == {
        "type": "subscribed", "topic": f"user:{alice.id}", "id": 1}
    assert ask(socket, {"action": "subscribe", "topic": "announcements"})["type"] == "subscribed"

    assert delivery.publish("announcements", {"type": "announcement", "text": "hi"}) >= 1
    assert json.loads(socket.recv(timeout=10)) == {"type": "announcement", "text": "hi"}


@publishes
def test_forbidden_topics_are_refused_and_never_delivered(member: Callable[[str], Member]) -> None:
    alice, bob, carol = member("alice"), member("bob"), member("carol")
    conversation = conversation_of(alice, bob)
    socket = carol.socket()

    for topic in (f"user:{alice.id}", f"conversation:{conversation}",
                  f"post:{uuid.uuid4()}", "everything", "user:*"):
        reply = ask(socket, {"action": "subscribe", "topic": topic})
        assert (reply["type"], reply["code"]) == ("error", "forbidden"), topic

    assert delivery.publish(f"conversation:{conversation}", {"type": "secret"}) == 0
    assert quiet(socket)


@publishes
def test_members_may_follow_their_conversation_and_visible_posts(
        member: Callable[[str], Member]) -> None:
    alice, bob = member("alice"), member("bob")
    conversation = conversation_of(alice, bob)
    with alice.http() as http:
        created = http.post("/v1/posts", json={"text": "live counts please"})
        assert created.status_code == 201, created.text
        post_id = created.json()["id"]
    socket = bob.socket()

    for topic in (f"conversation:{conversation}", f"post:{post_id}"):
        assert ask(socket, {"action": "subscribe", "topic": topic})["type"] == "subscribed"
    assert delivery.publish(f"post:{post_id}", {"type": "post.counts", "likes": 1}) == 1
    assert json.loads(socket.recv(timeout=10))["likes"] == 1


@publishes
def test_unsubscribe_stops_the_topic(member: Callable[[str], Member]) -> None:
    alice = member("alice")
    socket = alice.socket()
    topic = f"user:{alice.id}"
    ask(socket, {"action": "subscribe", "topic": topic})
    assert ask(socket, {"action": "unsubscribe", "topic": topic}) == {
        "type": "unsubscribed", "topic": topic}

    assert delivery.publish(topic, {"type": "late"}) == 0
    assert quiet(socket)


def test_presence_goes_offline_only_when_the_last_device_disconnects(
        member: Callable[[str], Member], main_cloud: RunningCloud) -> None:
    alice, bob = member("alice"), member("bob")
    conversation_of(alice, bob)
    watcher = bob.socket()

    phone = alice.socket()
    assert json.loads(watcher.recv(timeout=10)) == {
        "type": "presence", "user_id": alice.id, "online": True}
    laptop = alice.socket("laptop-" + uuid.uuid4().hex[:8])
    assert quiet(watcher)  # a second device is no news

    def snapshot() -> bool:
        with bob.http() as http:
            answer = http.get("/v1/presence", params={"user_ids": f"{alice.id},{bob.id}"})
            assert answer.status_code == 200, answer.text
            items = {item["user_id"]: item["online"] for item in answer.json()["items"]}
            assert items[bob.id] is True
            return bool(items[alice.id])

    assert snapshot()
    disconnect_handled(main_cloud, phone.close)
    assert quiet(watcher)
    assert snapshot()

    laptop.close()
    assert json.loads(watcher.recv(timeout=10)) == {
        "type": "presence", "user_id": alice.id, "online": False}
    assert not snapshot()


def test_a_block_hides_presence_both_live_and_in_the_snapshot(
        member: Callable[[str], Member]) -> None:
    alice, bob = member("alice"), member("bob")
    conversation_of(alice, bob)
    with alice.http() as http:  # the conversation stays; presence no longer crosses it
        assert http.put(f"/v1/users/{bob.username}/block").status_code == 204
    watcher = bob.socket()
    alice.socket()
    assert quiet(watcher)
    with bob.http() as http:
        answer = http.get("/v1/presence", params={"user_ids": f"{alice.id},not-a-user-id"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == [{"user_id": alice.id, "online": False},
                                      {"user_id": "not-a-user-id", "online": False}]


def test_presence_snapshot_is_bounded(member: Callable[[str], Member]) -> None:
    bob = member("bob")
    with bob.http() as http:
        too_many = http.get("/v1/presence", params={
            "user_ids": ",".join(str(uuid.uuid4()) for _ in range(101))})
        missing = http.get("/v1/presence")
    assert too_many.status_code == 422
    assert too_many.headers["content-type"].startswith("application/problem+json")
    assert missing.status_code == 422


@pytest.mark.parametrize("frame", [
    "not json",
    json.dumps({"action": "no.such.action"}),
    json.dumps({"action": "subscribe"}),
    json.dumps({"action": "subscribe", "topic": 42}),
    json.dumps({"action": "unsubscribe"}),
    json.dumps({"action": "subscribe", "topic": "announcements" * 2000}),
], ids=["not-json", "unknown-action", "missing-topic", "topic-not-a-string",
        "unsubscribe-missing-topic", "oversized-topic"])
def test_bad_frames_get_an_error_and_the_connection_stays_usable(
        member: Callable[[str], Member], frame: str) -> None:
    socket = member("frames").socket()
    assert ask(socket, frame)["type"] == "error"
    assert ask(socket, {"action": "ping", "id": 2}) == {"type": "pong", "id": 2}


def test_subscribers_of_a_post_get_its_live_counts_when_it_is_liked_and_commented(
        member: Callable[[str], Member]) -> None:
    alice, carol, bob = member("alice"), member("carol"), member("bob")

    with alice.http() as http:
        post_id = http.post("/v1/posts", json={"text": "count me"}).json()["id"]
    socket = bob.socket()
    assert ask(socket, {"action": "subscribe", "topic": f"post:{post_id}"})["type"] == "subscribed"

    with carol.http() as http:
        assert http.put(f"/v1/posts/{post_id}/like").status_code == 204
        assert json.loads(socket.recv(timeout=10)) == {
            "type": "post.counts", "post_id": post_id, "like_count": 1, "comment_count": 0}
        assert http.put(f"/v1/posts/{post_id}/like").status_code == 204  # no change, no frame
        assert http.post(f"/v1/posts/{post_id}/comments", json={"text": "nice"}).status_code == 201
        assert json.loads(socket.recv(timeout=10))["comment_count"] == 1
        assert http.delete(f"/v1/posts/{post_id}/like").status_code == 204
        assert json.loads(socket.recv(timeout=10))["like_count"] == 0
