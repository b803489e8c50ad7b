"""Membership questions other areas ask: topic authorization and presence partners."""

from __future__ import annotations

from plaza.chat import service
from plaza.stores import db
from tests.integration.chat.conftest import MakeUser


def _conversation(*members: str) -> str:
    row = db.fetch_one("INSERT INTO conversations (kind) VALUES ('group') RETURNING id::text AS id")
    assert row is not None
    for member in members:
        db.execute("INSERT INTO conversation_members (conversation_id, user_id) VALUES (%s, %s)",
                   (row["id"], member))
    return str(row["id"])


def test_is_member_only_for_the_conversations_members(make_user: MakeUser) -> None:
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    conversation = _conversation(ann, bob)
    assert service.is_member(ann, conversation)
    assert service.is_member(bob, conversation)
    assert not service.is_member(cat, conversation)
    assert not service.is_member(ann, "not-a-uuid")


def test_partner_ids_are_everyone_sharing_a_conversation(make_user: MakeUser) -> None:
    ann, bob, cat, dan = (make_user(name) for name in ("ann", "bob", "cat", "dan"))
    _conversation(ann, bob)
    _conversation(ann, bob, cat)
    assert service.partner_ids(ann) == {bob, cat}
    assert service.partner_ids(cat) == {ann, bob}
    assert service.partner_ids(dan) == set()
    assert service.partner_ids("nope") == set()
