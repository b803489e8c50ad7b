"""Conversations and messages against the real Postgres and Redis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from plaza import errors
from plaza.chat import service
from plaza.chat.models import ConversationIn, MessageIn
from plaza.social import service as social
from plaza.stores import db
from tests.integration.chat.conftest import MakeUser


def _direct(user_id: str, username: str) -> str:
    return service.create_conversation(user_id, ConversationIn(usernames=[username])).value.id


def _send(user_id: str, conversation_id: str, client_msg_id: str, text: str = "hi") -> service.Sent:
    return service.send_message(user_id, conversation_id,
                                MessageIn(client_msg_id=client_msg_id, text=text))


def _stored(conversation_id: str) -> int:
    row = db.fetch_one("SELECT count(*) AS n FROM messages WHERE conversation_id = %s",
                       (conversation_id,))
    return int(row["n"]) if row else 0


def test_the_direct_conversation_of_two_users_is_reused_from_either_side(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    first, again = (service.create_conversation(ann, ConversationIn(usernames=["bob"])),
                    service.create_conversation(bob, ConversationIn(usernames=["ANN"])))
    assert (first.status, again.status) == (201, 200)
    first, again = first.value, again.value
    assert first.id == again.id
    assert first.kind == "direct"
    assert {member.id for member in first.members} == {ann, bob}


def test_a_group_has_everyone_named_and_refuses_more_than_fifty(make_user: MakeUser) -> None:
    ann = make_user("ann")
    names = [f"user{i}" for i in range(3)]
    ids = {make_user(name) for name in names}
    created = service.create_conversation(ann, ConversationIn(usernames=names, title="Trip"))
    group = created.value
    assert created.status == 201 and group.kind == "group" and group.title == "Trip"
    assert {member.id for member in group.members} == ids | {ann}
    with pytest.raises(ValueError, match="at most 50"):
        ConversationIn(usernames=[f"u{i}" for i in range(51)])


def test_unknown_usernames_and_yourself_alone_are_refused(make_user: MakeUser) -> None:
    ann = make_user("ann")
    with pytest.raises(errors.NotFound):
        service.create_conversation(ann, ConversationIn(usernames=["ghost"]))
    with pytest.raises(errors.Invalid):
        service.create_conversation(ann, ConversationIn(usernames=["ann"]))


def test_a_repeated_client_msg_id_returns_the_same_message_and_stores_nothing(make_user: MakeUser) -> None:
    ann, _ = make_user("ann"), make_user("bob")
    conversation = _direct(ann, "bob")
    first = _send(ann, conversation, "c-1", "hello")
    again = _send(ann, conversation, "c-1", "hello")
    assert not first.replayed and again.replayed
    assert again.message == first.message
    assert again.ack() == first.ack()
    assert _stored(conversation) == 1


def test_two_concurrent_identical_sends_store_one_message(make_user: MakeUser) -> None:
    ann, _ = make_user("ann"), make_user("bob")
    conversation = _direct(ann, "bob")

    def send(_: int) -> service.Sent:
        try:
            return _send(ann, conversation, "same", "once")
        finally:
            db.close()

    for _ in range(5):
        with ThreadPoolExecutor(2) as pool:
            sent = list(pool.map(send, range(2)))
        assert sent[0].message.id == sent[1].message.id
        assert sorted(item.replayed for item in sent) == [False, True]
        assert _stored(conversation) == 1
        db.execute("DELETE FROM messages")


def test_concurrent_senders_get_distinct_gap_free_sequences(make_user: MakeUser) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    conversation = _direct(ann, "bob")

    def send(index: int) -> service.Sent:
        try:
            return _send(ann if index % 2 else bob, conversation, f"m-{index}", str(index))
        finally:
            db.close()

    with ThreadPoolExecutor(4) as pool:
        sent = list(pool.map(send, range(40)))
    assert sorted(item.message.seq for item in sent) == list(range(1, 41))
    history = service.message_page(ann, conversation, 100, None).items
    assert [item.seq for item in history] == list(range(40, 0, -1))
    stamps = [item.created_at for item in history]
    assert stamps == sorted(stamps, reverse=True)


def test_history_is_newest_first_in_pages_for_members_only(make_user: MakeUser) -> None:
    ann, _, cat = make_user("ann"), make_user("bob"), make_user("cat")
    conversation = _direct(ann, "bob")
    for index in range(5):
        _send(ann, conversation, f"m-{index}", f"text {index}")
    first = service.message_page(ann, conversation, 3, None)
    second = service.message_page(ann, conversation, 3, first.next_cursor)
    assert [m.text for m in first.items] == ["text 4", "text 3", "text 2"]
    assert [m.text for m in second.items] == ["text 1", "text 0"]
    assert second.next_cursor is None
    for outsider_call in (
        lambda: service.message_page(cat, conversation, 3, None),
        lambda: _send(cat, conversation, "x"),
        lambda: service.read_messages(cat, conversation, None),
        lambda: service.typing(cat, conversation),
        lambda: service.message_page(cat, "not-a-uuid", 3, None),
    ):
        with pytest.raises(errors.NotFound):
            outsider_call()


def test_the_list_shows_last_message_and_unread_count_most_recent_first(make_user: MakeUser) -> None:
    ann, bob, _ = make_user("ann"), make_user("bob"), make_user("cat")
    with_bob = _direct(ann, "bob")
    with_cat = _direct(ann, "cat")
    _send(bob, with_bob, "b-1", "one")
    _send(bob, with_bob, "b-2", "two")
    page = service.conversation_page(ann, 10, None)
    assert [item.id for item in page.items] == [with_bob, with_cat]
    assert page.items[0].last_message is not None and page.items[0].last_message.text == "two"
    assert page.items[0].unread_count == 2
    assert page.items[1].last_message is None
    assert service.conversation_page(bob, 10, None).items[0].unread_count == 0
    first = service.conversation_page(ann, 1, None)
    second = service.conversation_page(ann, 1, first.next_cursor)
    assert [item.id for item in first.items + second.items] == [with_bob, with_cat]

    messages = service.message_page(ann, with_bob, 10, None).items
    event = service.read_messages(ann, with_bob, messages[-1].id)
    assert event["message_id"] == messages[-1].id
    assert service.conversation_page(ann, 10, None).items[0].unread_count == 1
    service.read_messages(ann, with_bob, None)
    assert service.conversation_page(ann, 10, None).items[0].unread_count == 0


def test_blocks_refuse_conversations_and_messages_either_way(make_user: MakeUser) -> None:
    ann, bob, _ = make_user("ann"), make_user("bob"), make_user("cat")
    conversation = _direct(ann, "bob")
    group = service.create_conversation(ann, ConversationIn(usernames=["bob", "cat"])).value
    social.block(bob, "ann")
    with pytest.raises(errors.Forbidden):
        _send(ann, conversation, "x")
    with pytest.raises(errors.Forbidden):
        _send(bob, conversation, "y")
    with pytest.raises(errors.Forbidden):
        _send(ann, group.id, "z")
    # As on profiles, a block makes the other user invisible, both ways.
    with pytest.raises(errors.NotFound):
        service.create_conversation(ann, ConversationIn(usernames=["cat", "bob"]))
    with pytest.raises(errors.NotFound):
        service.create_conversation(bob, ConversationIn(usernames=["ann"]))
    assert _stored(conversation) == 0


def test_typing_reaches_the_others_at_most_once_per_interval(make_user: MakeUser) -> None:
    ann, _ = make_user("ann"), make_user("bob")
    conversation = _direct(ann, "bob")
    # Nobody is connected: no one is told, but the interval still starts.
    assert service.typing(ann, conversation) == 0
    from plaza.stores import cache

    assert cache.client().exists(f"typing:{conversation}:{ann}")
