"""Renaming a group and changing its members against the real Postgres and Redis."""

from __future__ import annotations

import pytest

from plaza import errors
from plaza.chat import service
from plaza.chat.models import ConversationIn, ConversationPatch, MembersIn, MessageIn
from plaza.realtime import registry
from plaza.social import service as social
from tests.integration.chat.conftest import MakeUser


def _group(creator: str, *usernames: str) -> str:
    return service.create_conversation(creator, ConversationIn(usernames=list(usernames),
                                                               title="Trip")).value.id


def _member_ids(user_id: str, conversation_id: str) -> set[str]:
    return {member.id for member in service.conversation_out(user_id, conversation_id).members}


def test_any_member_renames_a_group_but_not_a_direct_conversation(make_user: MakeUser) -> None:
    ann, bob, _ = make_user("ann"), make_user("bob"), make_user("cat")
    group = _group(ann, "bob", "cat")
    renamed = service.rename_conversation(bob, group, ConversationPatch(title="Beach"))
    assert renamed.title == "Beach"
    assert service.conversation_out(ann, group).title == "Beach"
    direct = service.create_conversation(ann, ConversationIn(usernames=["bob"], title=None)).value.id
    with pytest.raises(errors.Invalid):
        service.rename_conversation(ann, direct, ConversationPatch(title="Us"))


def test_outsiders_learn_nothing_of_a_group(make_user: MakeUser) -> None:
    ann, _, _, dan = make_user("ann"), make_user("bob"), make_user("cat"), make_user("dan")
    group = _group(ann, "bob", "cat")
    with pytest.raises(errors.NotFound):
        service.rename_conversation(dan, group, ConversationPatch(title="Mine"))
    with pytest.raises(errors.NotFound):
        service.add_members(dan, group, MembersIn(usernames=["dan"]))
    with pytest.raises(errors.NotFound):
        service.remove_member(dan, group, ann)


def test_members_added_once_and_blocked_users_refused(make_user: MakeUser) -> None:
    ann, bob, cat, dan, eve = (make_user(name) for name in ("ann", "bob", "cat", "dan", "eve"))
    group = _group(ann, "bob", "cat")
    service.add_members(bob, group, MembersIn(usernames=["dan", "DAN", "ann"]))
    again = service.add_members(bob, group, MembersIn(usernames=["dan"]))
    assert {member.id for member in again.members} == {ann, bob, cat, dan}
    social.block(eve, "bob")
    with pytest.raises(errors.NotFound):
        service.add_members(bob, group, MembersIn(usernames=["eve"]))
    with pytest.raises(errors.NotFound):
        service.add_members(bob, group, MembersIn(usernames=["ghost"]))
    assert _member_ids(ann, group) == {ann, bob, cat, dan}


def test_a_group_never_grows_past_fifty(make_user: MakeUser) -> None:
    ann = make_user("ann")
    names = [f"user{i}" for i in range(49)]
    for name in names:
        make_user(name)
    group = _group(ann, *names)
    make_user("late")
    with pytest.raises(errors.Invalid):
        service.add_members(ann, group, MembersIn(usernames=["late"]))


def test_only_the_creator_removes_others_and_anyone_leaves(make_user: MakeUser) -> None:
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    group = _group(ann, "bob", "cat")
    with pytest.raises(errors.Forbidden):
        service.remove_member(bob, group, cat)
    assert service.remove_member(bob, group, bob) is None
    remaining = service.remove_member(ann, group, cat)
    assert remaining is not None and {member.id for member in remaining.members} == {ann}
    with pytest.raises(errors.NotFound):
        service.remove_member(ann, group, cat)


def test_a_removed_member_leaves_the_topic_and_cannot_send_or_read(make_user: MakeUser) -> None:
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    group = _group(ann, "bob", "cat")
    registry.register("bobs-phone", bob, "phone")
    registry.register("cats-phone", cat, "phone")
    for connection, user in (("bobs-phone", bob), ("cats-phone", cat)):
        assert service.is_member(user, group)
        assert registry.subscribe(connection, f"conversation:{group}")

    service.remove_member(ann, group, bob)

    assert registry.subscribers(f"conversation:{group}") == ["cats-phone"]
    assert not service.is_member(bob, group)
    with pytest.raises(errors.NotFound):
        service.send_message(bob, group, MessageIn(client_msg_id="m-1", text="still here?"))
    with pytest.raises(errors.NotFound):
        service.message_page(bob, group, 10, None)
    sent = service.send_message(ann, group, MessageIn(client_msg_id="m-2", text="bye bob"))
    assert sent.status == 201
