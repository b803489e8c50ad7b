"""Live conversation updates through the local cloud: members see a group made, renamed and its
members change; a removed member gets none of its messages from then on."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from tests.e2e.chat.conftest import Chatter
from tests.support.sockets import frames_before_pong

pytestmark = pytest.mark.e2e

Make = Callable[[str], Chatter]


def _frame(socket: ClientConnection) -> dict[str, Any]:
    """The next frame but presence (partners coming and going)."""
    while True:
        frame = dict(json.loads(socket.recv(timeout=10)))
        if frame.get("type") != "presence":
            return frame


def _chat_frames(socket: ClientConnection) -> list[dict[str, Any]]:
    """Every frame but presence on its way to the socket now (those before a ping's pong)."""
    return [frame for frame in frames_before_pong(socket) if frame["type"] != "presence"]


def _usernames(frame: dict[str, Any]) -> set[str]:
    return {member["username"] for member in frame["conversation"]["members"]}


def test_members_see_a_group_made_renamed_and_its_members_change(chatter: Make) -> None:
    ann, bob, cat, dan = chatter("ann"), chatter("bob"), chatter("cat"), chatter("dan")
    anns, bobs, cats, dans = ann.socket(), bob.socket(), cat.socket(), dan.socket()

    created = ann.api("POST", "/v1/conversations",
                      {"usernames": [bob.username, cat.username], "title": "Trip"})
    assert created.status_code == 201, created.text
    group = created.json()["id"]
    for socket in (anns, bobs, cats):
        frame = _frame(socket)
        assert (frame["type"], frame["change"], frame["conversation_id"]) == (
            "conversation.updated", "created", group)
        assert frame["conversation"]["title"] == "Trip"
    assert _chat_frames(dans) == []

    renamed = bob.api("PATCH", f"/v1/conversations/{group}", {"title": "Beach"})
    assert renamed.status_code == 200, renamed.text
    for socket in (anns, bobs, cats):
        frame = _frame(socket)
        assert frame["change"] == "renamed" and frame["conversation"]["title"] == "Beach"

    added = cat.api("POST", f"/v1/conversations/{group}/members", {"usernames": [dan.username]})
    assert added.status_code == 200, added.text
    for socket in (anns, bobs, cats, dans):
        frame = _frame(socket)
        assert frame["change"] == "members"
        assert _usernames(frame) == {ann.username, bob.username, cat.username, dan.username}
    for socket in (anns, bobs, cats, dans):
        assert _chat_frames(socket) == []


def test_a_removed_member_gets_no_message_from_then_on(chatter: Make) -> None:
    ann, bob, cat = chatter("ann"), chatter("bob"), chatter("cat")
    created = ann.api("POST", "/v1/conversations", {"usernames": [bob.username, cat.username]})
    group = created.json()["id"]
    anns, bobs, cats = ann.socket(), bob.socket(), cat.socket()
    bobs.send(json.dumps({"action": "subscribe", "topic": f"conversation:{group}"}))
    assert _frame(bobs)["type"] == "subscribed"

    removed = ann.api("DELETE", f"/v1/conversations/{group}/members/{bob.id}")
    assert removed.status_code == 204, removed.text
    assert _frame(bobs) == {"type": "conversation.updated", "change": "removed",
                            "conversation_id": group}
    for socket in (anns, cats):
        frame = _frame(socket)
        assert frame["change"] == "members"
        assert _usernames(frame) == {ann.username, cat.username}

    sent = ann.api("POST", f"/v1/conversations/{group}/messages",
                   {"client_msg_id": "after-bob", "text": "just us now"})
    assert sent.status_code == 201, sent.text
    assert _frame(cats) == {"type": "message.new", "message": sent.json()}
    assert _chat_frames(bobs) == []
    assert bob.api("GET", f"/v1/conversations/{group}/messages").status_code == 404
    assert bob.api("POST", f"/v1/conversations/{group}/messages",
                   {"client_msg_id": "x", "text": "still here?"}).status_code == 404
