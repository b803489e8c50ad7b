"""Chat through the stack the way an app talks to it: REST plus real WebSocket clients."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from tests.e2e.chat.conftest import Chatter
from tests.support.sockets import frames_before_pong

pytestmark = pytest.mark.e2e

Make = Callable[[str], Chatter]


# Partners coming and going, and conversations being made (test_conversation_updates), are not
# this module's.
_NOT_MESSAGES = {"presence", "conversation.updated"}


def _frame(socket: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    """The next message frame."""
    while True:
        frame = dict(json.loads(socket.recv(timeout=timeout)))
        if frame.get("type") not in _NOT_MESSAGES:
            return frame


def _nothing_more(socket: ClientConnection) -> None:
    """No message frame was on its way: the pong of a ping sent now comes first."""
    assert [frame for frame in frames_before_pong(socket)
            if frame["type"] not in _NOT_MESSAGES] == []


def _direct(ann: Chatter, bob: Chatter) -> str:
    created = ann.api("POST", "/v1/conversations", {"usernames": [bob.username]})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _send(socket: ClientConnection, conversation: str, client_msg_id: str, text: str) -> None:
    socket.send(json.dumps({"action": "message.send", "conversation_id": conversation,
                            "client_msg_id": client_msg_id, "text": text}))


def test_two_users_chat_with_ack_new_delivered_and_read_receipts(chatter: Make) -> None:
    ann, bob = chatter("ann"), chatter("bob")
    anns, bobs = ann.socket(), bob.socket()
    conversation = _direct(ann, bob)
    again = bob.api("POST", "/v1/conversations", {"usernames": [ann.username]})
    assert again.status_code == 200 and again.json()["id"] == conversation

    _send(anns, conversation, "c-1", "hello bob")
    ack = _frame(anns)
    assert ack["type"] == "message.ack" and ack["client_msg_id"] == "c-1"
    message = ack["message"]
    assert message["text"] == "hello bob" and message["seq"] == 1
    assert _frame(bobs) == {"type": "message.new", "message": message}
    assert _frame(anns) == {"type": "message.delivered", "conversation_id": conversation,
                            "message_id": message["id"], "user_id": bob.id}

    listed = bob.api("GET", "/v1/conversations").json()["items"]
    assert [(item["id"], item["unread_count"]) for item in listed] == [(conversation, 1)]
    assert listed[0]["last_message"]["id"] == message["id"]

    bobs.send(json.dumps({"action": "message.read", "conversation_id": conversation,
                          "message_id": message["id"]}))
    read = _frame(anns)
    assert read["type"] == "message.read" and read["user_id"] == bob.id
    assert read["message_id"] == message["id"]
    assert bob.api("GET", "/v1/conversations").json()["items"][0]["unread_count"] == 0

    # The REST send has the same semantics: bob's socket gets message.new.
    sent = ann.api("POST", f"/v1/conversations/{conversation}/messages",
                   {"client_msg_id": "c-2", "text": "over http"})
    assert sent.status_code == 201 and sent.json()["seq"] == 2
    assert _frame(bobs)["message"]["text"] == "over http"
    history = bob.api("GET", f"/v1/conversations/{conversation}/messages").json()["items"]
    assert [item["text"] for item in history] == ["over http", "hello bob"]


def test_typing_reaches_the_other_member_once_per_interval(chatter: Make) -> None:
    ann, bob = chatter("ann"), chatter("bob")
    anns, bobs = ann.socket(), bob.socket()
    conversation = _direct(ann, bob)
    for _ in range(3):
        anns.send(json.dumps({"action": "typing", "conversation_id": conversation}))
    assert _frame(bobs) == {"type": "typing", "conversation_id": conversation, "user_id": ann.id}
    # A message sent after the typing frames: what reaches bob next is it, not a second typing.
    _send(anns, conversation, "t-1", "done typing")
    assert _frame(anns)["type"] == "message.ack"
    assert _frame(bobs)["type"] == "message.new"
    assert _frame(anns)["type"] == "message.delivered"
    _nothing_more(bobs)
    _nothing_more(anns)


def test_a_resend_after_reconnect_gets_the_same_ack_and_stores_nothing_new(chatter: Make) -> None:
    ann, bob = chatter("ann"), chatter("bob")
    bobs = bob.socket()
    conversation = _direct(ann, bob)
    client_msg_id = str(uuid.uuid4())
    first = ann.socket()
    _send(first, conversation, client_msg_id, "did this arrive?")
    ack = _frame(first)
    assert _frame(bobs)["type"] == "message.new"
    assert _frame(first)["type"] == "message.delivered"  # else the reconnected socket gets it
    first.close()

    second = ann.socket()
    _send(second, conversation, client_msg_id, "did this arrive?")
    assert _frame(second) == ack
    _nothing_more(bobs)
    history = ann.api("GET", f"/v1/conversations/{conversation}/messages").json()["items"]
    assert [item["id"] for item in history] == [ack["message"]["id"]]
    replay = ann.api("POST", f"/v1/conversations/{conversation}/messages",
                     {"client_msg_id": client_msg_id, "text": "did this arrive?"})
    assert replay.status_code == 200 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == ack["message"]["id"]


def test_a_third_user_can_neither_read_nor_write_the_conversation(chatter: Make) -> None:
    ann, bob, cat = chatter("ann"), chatter("bob"), chatter("cat")
    conversation = _direct(ann, bob)
    assert cat.api("GET", f"/v1/conversations/{conversation}/messages").status_code == 404
    assert cat.api("POST", f"/v1/conversations/{conversation}/messages",
                   {"client_msg_id": "x", "text": "let me in"}).status_code == 404
    cats = cat.socket()
    _send(cats, conversation, "x", "let me in")
    error = _frame(cats)
    assert error["type"] == "error" and error["code"] == "not-found"
    cats.send(json.dumps({"action": "message.send", "conversation_id": conversation,
                          "client_msg_id": "y", "text": "x" * 4001, "id": 9}))
    invalid = _frame(cats)
    assert invalid["type"] == "error" and invalid["id"] == 9 and invalid["status"] == 422
    for action in ("typing", "message.read"):  # every action answers a domain error alike
        cats.send(json.dumps({"action": action, "conversation_id": conversation, "id": action}))
        answer = _frame(cats)
        assert (answer["type"], answer["code"], answer["id"]) == ("error", "not-found", action)
    cats.send(json.dumps({"action": "subscribe", "topic": f"conversation:{conversation}"}))
    refused = _frame(cats)
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    assert ann.api("GET", f"/v1/conversations/{conversation}/messages").json()["items"] == []


def test_concurrent_senders_are_ordered_the_same_for_everyone(chatter: Make) -> None:
    ann, bob, cat = chatter("ann"), chatter("bob"), chatter("cat")
    created = ann.api("POST", "/v1/conversations", {"usernames": [bob.username, cat.username]})
    conversation = created.json()["id"]
    anns, bobs, cats = ann.socket(), bob.socket(), cat.socket()
    for number in range(8):
        _send(anns, conversation, f"a-{number}", f"ann {number}")
        _send(bobs, conversation, f"b-{number}", f"bob {number}")
    seen = [_frame(cats)["message"] for _ in range(16)]
    history = cat.api("GET", f"/v1/conversations/{conversation}/messages",
                      ).json()["items"][::-1]
    assert [item["seq"] for item in history] == list(range(1, 17))
    # One order for everyone: the sequence, gap-free; what the third member was sent is exactly
    # the history. (Frames of one connection run as separate invocations, as on API Gateway, so
    # a client that needs its own messages in sending order waits for each ack.)
    assert sorted(item["text"] for item in history) == sorted(
        [f"ann {number}" for number in range(8)] + [f"bob {number}" for number in range(8)])
    assert [item["id"] for item in sorted(seen, key=lambda item: item["seq"])] == [
        item["id"] for item in history]


def test_the_senders_other_devices_get_the_message_and_the_sending_one_only_its_ack(
        chatter: Make) -> None:
    ann, bob = chatter("ann"), chatter("bob")
    phone, laptop = ann.socket(), ann.socket("laptop-" + uuid.uuid4().hex[:8])
    bobs = bob.socket()
    conversation = _direct(ann, bob)

    _send(phone, conversation, "d-1", "from my phone")
    ack = _frame(phone)
    assert ack["type"] == "message.ack"
    assert _frame(laptop) == {"type": "message.new", "message": ack["message"]}
    assert _frame(bobs)["message"]["id"] == ack["message"]["id"]
    for socket in (phone, laptop):  # every device of the sender hears of the delivery
        assert _frame(socket)["type"] == "message.delivered"
    _nothing_more(phone)

    sent = ann.api("POST", f"/v1/conversations/{conversation}/messages",
                   {"client_msg_id": "d-2", "text": "over http"})
    assert sent.status_code == 201
    for socket in (phone, laptop):
        frames = [_frame(socket), _frame(socket)]
        assert {"type": "message.new", "message": sent.json()} in frames
