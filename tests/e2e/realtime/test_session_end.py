"""Sessions end everywhere, tried as an attacker holding an open socket would: signing out on HTTP
closes that session's sockets (and no other's), a frame sent on it before the close is refused,
a push token cannot be planted on someone else's device, and presence tells strangers nothing."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = pytest.mark.e2e


def ask(socket: ClientConnection, frame: dict[str, Any]) -> dict[str, Any]:
    socket.send(json.dumps(frame))
    return dict(json.loads(socket.recv(timeout=10)))


def closed(socket: ClientConnection) -> bool:
    """Whether the server has closed the socket (a bounded read; frames on the way are skipped)."""
    try:
        socket.recv(timeout=0.1)
    except ConnectionClosed:
        return True
    except TimeoutError:
        pass
    return False


def session_of(login: dict[str, Any]) -> str:
    payload = str(login["access_token"]).split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"])


def test_logout_closes_the_sessions_sockets_and_no_other(
        member: Callable[[str], Member]) -> None:
    alice = member("alice")
    phone = alice.socket()
    laptop_device = "laptop-" + uuid.uuid4().hex[:8]
    laptop = alice.socket(laptop_device)
    assert ask(phone, {"action": "ping", "id": 1}) == {"type": "pong", "id": 1}

    with alice.http() as http:
        assert http.post("/v1/auth/logout").status_code == 204

    assert eventually(lambda: closed(phone), timeout=10)
    assert ask(laptop, {"action": "ping", "id": 2}) == {"type": "pong", "id": 2}


def test_signing_out_another_device_closes_its_socket(member: Callable[[str], Member]) -> None:
    alice = member("alice")
    phone = alice.socket()
    stolen_device = "stolen-" + uuid.uuid4().hex[:8]
    stolen = alice.socket(stolen_device)

    with alice.http() as http:
        assert http.delete(f"/v1/auth/sessions/{stolen_device}").status_code == 204

    assert eventually(lambda: closed(stolen), timeout=10)
    assert ask(phone, {"action": "ping", "id": 3}) == {"type": "pong", "id": 3}


@pytest.mark.local_only(reason="holds back the close by editing the registry in Redis")
def test_a_frame_sent_before_the_close_is_refused_and_never_acted_on(
        member: Callable[[str], Member], redis_client: redis.Redis) -> None:
    alice, bob = member("alice"), member("bob")
    with alice.http() as http:
        created = http.post("/v1/conversations", json={"usernames": [bob.username]})
        assert created.status_code == 201, created.text
    conversation = created.json()["id"]
    socket = alice.socket()
    # The registry forgets which session the socket belongs to, so signing out cannot close it:
    # the socket is where it would be between the sign-out and the close.
    assert redis_client.delete(f"rt:session:{session_of(alice.login)}") == 1
    with alice.http() as http:
        assert http.post("/v1/auth/logout").status_code == 204

    for frame in ({"action": "message.send", "conversation_id": conversation,
                   "client_msg_id": "after-logout", "text": "sent by a thief", "id": 4},
                  {"action": "subscribe", "topic": f"user:{alice.id}", "id": 5},
                  {"action": "ping", "id": 6}):
        reply = ask(socket, frame)
        assert (reply["type"], reply["code"], reply["id"]) == ("error", "session_ended",
                                                               frame["id"]), reply
    with bob.http() as http:
        page = http.get(f"/v1/conversations/{conversation}/messages")
    assert page.status_code == 200, page.text
    assert page.json()["items"] == []


def test_a_push_token_cannot_be_registered_for_another_device(
        member: Callable[[str], Member]) -> None:
    alice, mallory = member("alice"), member("mallory")
    alices_device = next(iter(alice.devices))
    with mallory.http() as http:
        for device in (alices_device, "not-my-device-" + uuid.uuid4().hex[:8]):
            planted = http.put(f"/v1/devices/{device}/push-token",
                               json={"token": f"fcm-{uuid.uuid4().hex}", "platform": "fcm"})
            assert planted.status_code == 403, planted.text
            assert planted.headers["content-type"].startswith("application/problem+json")
        own = http.put(f"/v1/devices/{next(iter(mallory.devices))}/push-token",
                       json={"token": f"fcm-{uuid.uuid4().hex}", "platform": "fcm"})
    assert own.status_code == 204, own.text


def test_presence_shows_a_user_online_to_followers_and_partners_never_to_strangers(
        member: Callable[[str], Member]) -> None:
    alice, follower, stranger = member("alice"), member("follower"), member("stranger")
    with follower.http() as http:
        assert http.put(f"/v1/users/{alice.username}/follow").status_code == 204
    alice.socket()

    def online_to(viewer: Member) -> bool:
        with viewer.http() as http:
            answer = http.get("/v1/presence", params={"user_ids": alice.id})
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["items"][0]["online"])

    assert online_to(follower)
    assert online_to(alice)
    assert not online_to(stranger)
