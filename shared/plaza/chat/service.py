"""Chat rules: who may talk to whom, conversations, idempotent ordered messages, receipts.

Live delivery goes through plaza.realtime.delivery (the hub): `conversation.updated` to every
member when a conversation is created, renamed or its members change (and to a removed member,
whose connections also leave the conversation's topic); `message.new` to each other member's
connections, `message.delivered` back to the sender for each member reached, `message.read` and
`typing` to the others. Members nobody could reach get a `message` notification (a push) instead.
No conversation and no message between users where either has blocked the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plaza import errors, idempotency, observability
from plaza.chat import repo
from plaza.chat.models import (
    MAX_GROUP,
    ConversationIn,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    Member,
    MembersIn,
    MessageIn,
    MessageOut,
    MessagePage,
)
from plaza.ids import as_uuid
from plaza.media import access as media_access
from plaza.media import service as media
from plaza.notifications.producer import notify
from plaza.pagination import decode_cursor, page_of
from plaza.realtime import registry, rules
from plaza.social import repo as social_repo
from plaza.stores import cache

# One typing event per member and conversation every this many seconds reaches the others.
TYPING_INTERVAL_S = 2


def is_member(user_id: str, conversation_id: str) -> bool:
    """Whether the user belongs to the conversation (False for ids that are not uuids)."""
    conversation = as_uuid(conversation_id)
    user = as_uuid(user_id)
    return bool(conversation and user) and repo.is_member(str(user), str(conversation))


def partner_ids(user_id: str) -> set[str]:
    """Everyone who shares at least one conversation with the user."""
    user = as_uuid(user_id)
    return repo.partner_ids(user) if user else set()


def partners_among(user_id: str, user_ids: list[str]) -> set[str]:
    """Which of `user_ids` share a conversation with the user."""
    return partner_ids(user_id) & set(user_ids)


# The hub asks chat who may follow a conversation's topic, who hears a member come and go, and
# whose presence a member may see: their partners'.
rules.allow_topic("conversation", is_member)
# Media sent in a conversation (attached as `message`, target: the conversation): its members.
media_access.allow_attached("message", is_member)
rules.hear_presence(partner_ids)
rules.show_presence(partners_among)


def _no_such_conversation() -> errors.NotFound:
    return errors.NotFound("No such conversation")


def _membership(user_id: str, conversation_id: str) -> dict[str, Any]:
    """The conversation, if the user is a member; NotFound otherwise (outsiders learn nothing)."""
    conversation = as_uuid(conversation_id)
    row = repo.conversation(conversation) if conversation else None
    if row is None or user_id not in row["member_ids"]:
        raise _no_such_conversation()
    return row


def _blocked() -> errors.Forbidden:
    return errors.Forbidden("A block stands between you and a member of this conversation")


# ---------------------------------------------------------------- conversations

def create_conversation(user_id: str, body: ConversationIn, idempotency_key: str | None = None,
                        ) -> idempotency.Outcome[ConversationOut]:
    """A new conversation (201) or the pair's existing direct one (200), read back before the
    commit; with a key, a retry gets the first answer back."""
    created = idempotency.once(user_id, idempotency_key, {"conversation": body.model_dump(mode="json")},
                               ConversationOut, lambda: _created_conversation(user_id, body))
    if created.status == 201 and not created.replayed:
        # After the commit, so a member who reacts to the frame finds the conversation.
        _announce(created.value, "created")
    return created


def _created_conversation(user_id: str, body: ConversationIn) -> tuple[int, ConversationOut]:
    others = [user for user in _users_named(body.usernames) if user != user_id]
    if not others:
        raise errors.Invalid("A conversation needs someone besides you", errors=[
            {"field": "body.usernames", "message": "name someone besides yourself", "type": "self"}])
    if social_repo.blocked_among(user_id, others):
        # As everywhere else, a block makes the other user invisible, not just unreachable.
        raise errors.NotFound("No such user")
    if len(body.usernames) == 1:
        key = ":".join(sorted((user_id, others[0])))
        existing = repo.direct_conversation(key)
        created = None if existing else repo.insert_conversation(
            "direct", None, key, user_id, [user_id, others[0]])
        conversation_id = created or existing or repo.direct_conversation(key)
    else:
        created = repo.insert_conversation("group", body.title, None, user_id, [user_id, *others])
        conversation_id = created
    assert conversation_id is not None  # a direct insert only loses to a row that now exists
    return 201 if created else 200, conversation_out(user_id, conversation_id)


def _users_named(usernames: list[str]) -> list[str]:
    """The ids of the active users named, in order; NotFound listing every unknown name."""
    names = list(dict.fromkeys(name.lower() for name in usernames))
    found = repo.user_ids_by_username(names)
    missing = [name for name in names if name not in found]
    if missing:
        raise errors.NotFound("No such user", errors=[
            {"field": "body.usernames", "message": f"no such user: {name}", "type": "user"}
            for name in missing])
    return [found[name] for name in names]


def conversation_out(user_id: str, conversation_id: str) -> ConversationOut:
    row = _membership(user_id, conversation_id)
    return ConversationOut(
        id=row["id"], kind=row["kind"], title=row["title"], created_at=row["created_at"],
        members=[Member(**member) for member in repo.members_of(row["id"])])


def conversation_page(user_id: str, limit: int, cursor: str | None) -> ConversationPage:
    rows = repo.conversation_page(user_id, decode_cursor(cursor), limit)
    rows, next_cursor = page_of(rows, limit, "active_at", "id")
    return ConversationPage(items=[ConversationOut(**row) for row in rows], next_cursor=next_cursor)


def message_page(user_id: str, conversation_id: str, limit: int, cursor: str | None) -> MessagePage:
    """A member's history of the conversation, newest first."""
    row = _membership(user_id, conversation_id)
    before = decode_cursor(cursor)
    rows = repo.message_page(row["id"], before[1] if before else None, limit)
    rows, next_cursor = page_of(rows, limit, "created_at", "id")
    return MessagePage(items=_with_media([MessageOut(**item) for item in rows]),
                       next_cursor=next_cursor)


def _with_media(messages: list[MessageOut]) -> list[MessageOut]:
    """The messages with their ready media, signed for this response (one query a page)."""
    shown = {item.id: item for item in media.attached_media(
        [media_id for message in messages for media_id in message.media_ids])}
    return [message.model_copy(update={"media": [shown[m] for m in message.media_ids
                                                 if m in shown]})
            if message.media_ids else message for message in messages]


# ---------------------------------------------------------------- changes to a group, live

def _group(user_id: str, conversation_id: str) -> dict[str, Any]:
    row = _membership(user_id, conversation_id)
    if row["kind"] != "group":
        raise errors.Invalid("A direct conversation keeps its two members and has no title")
    return row


def rename_conversation(user_id: str, conversation_id: str, body: ConversationPatch) -> ConversationOut:
    """Any member may rename a group; every member is told."""
    row = _group(user_id, conversation_id)
    repo.rename(row["id"], body.title)
    return _announce(conversation_out(user_id, row["id"]), "renamed")


def add_members(user_id: str, conversation_id: str, body: MembersIn) -> ConversationOut:
    """Any member may add people to a group (up to MAX_GROUP); every member, new ones included,
    is told. Naming someone already in it changes nothing."""
    row = _group(user_id, conversation_id)
    newcomers = [user for user in _users_named(body.usernames) if user not in row["member_ids"]]
    if newcomers and social_repo.blocked_among(user_id, newcomers):
        raise errors.NotFound("No such user")
    if len(row["member_ids"]) + len(newcomers) > MAX_GROUP:
        raise errors.Invalid(f"A group has at most {MAX_GROUP} members")
    added = repo.add_members(row["id"], newcomers) if newcomers else []
    conversation = conversation_out(user_id, row["id"])
    return _announce(conversation, "members") if added else conversation


def remove_member(user_id: str, conversation_id: str, member_id: str) -> ConversationOut | None:
    """A member leaves a group, or its creator removes one. The removed member's connections
    leave the conversation's topic and it gets no message from now on (delivery reads the
    members at each send); it and the remaining members are told. The conversation as the
    remover now sees it, None when they left."""
    row = _group(user_id, conversation_id)
    member = as_uuid(member_id)
    if member is None or str(member) not in row["member_ids"]:
        raise errors.NotFound("No such member")
    removed = str(member)
    if removed != user_id and repo.created_by(row["id"]) != user_id:
        raise errors.Forbidden("Only the group's creator removes other members")
    if not repo.remove_member(row["id"], removed):
        raise errors.NotFound("No such member")
    _leave_topic(removed, row["id"])
    _send_to_user(removed, {"type": "conversation.updated", "change": "removed",
                            "conversation_id": row["id"]})
    remaining = [other for other in row["member_ids"] if other != removed]
    if not remaining:
        return None
    conversation = conversation_out(remaining[0], row["id"])
    _announce(conversation, "members")
    return None if removed == user_id else conversation


def _announce(conversation: ConversationOut, change: str) -> ConversationOut:
    """`conversation.updated` to every member's connections (best effort: the change is stored)."""
    frame = {"type": "conversation.updated", "change": change, "conversation_id": conversation.id,
             "conversation": conversation.model_dump(mode="json")}
    for member in conversation.members:
        _send_to_user(member.id, frame)
    return conversation


def _leave_topic(user_id: str, conversation_id: str) -> None:
    topic = f"conversation:{conversation_id}"
    try:
        for connection_id in registry.connections_of(user_id):
            registry.unsubscribe(connection_id, topic)
    except Exception as error:  # noqa: BLE001 - the membership change is stored; topics expire
        observability.log_error("topic not left", error=error, topic=topic)


# ---------------------------------------------------------------- messages

class Sent:
    """The stored message, whether it was stored earlier by a send with the same client id (or
    Idempotency-Key), and the HTTP status that answers it (the first answer's, on a key's replay)."""

    __slots__ = ("message", "replayed", "status")

    def __init__(self, message: MessageOut, replayed: bool, status: int | None = None) -> None:
        self.message = message
        self.replayed = replayed
        self.status = status if status is not None else 200 if replayed else 201

    def ack(self) -> dict[str, Any]:
        return {"type": "message.ack", "client_msg_id": self.message.client_msg_id,
                "message": self.message.model_dump(mode="json")}


def send_message(user_id: str, conversation_id: str, body: MessageIn,
                 acknowledge: Callable[[Sent], None] | None = None,
                 origin_connection_id: str | None = None,
                 idempotency_key: str | None = None) -> Sent:
    """Store the message once per client_msg_id (and Idempotency-Key) and deliver it to the other
    members.

    `acknowledge` runs once the message is stored and before delivery, so a WebSocket sender
    gets its ack ahead of the delivery receipts. The sender's other connections (other devices)
    get `message.new` too, all but `origin_connection_id`, which has the ack. A resend (a
    reconnect, a retried request) gets the first message back and delivers nothing. What
    follows the commit (delivery, receipts, notifications) fails open.
    """
    row = _membership(user_id, conversation_id)
    others = [member for member in row["member_ids"] if member != user_id]
    outcome = idempotency.once(
        user_id, idempotency_key, {"message_in": row["id"], **body.model_dump(mode="json")},
        MessageOut, lambda: _stored_message(row["id"], user_id, others, body))
    replayed = outcome.replayed or outcome.status == 200
    sent = _acknowledged(Sent(outcome.value, replayed, outcome.status), acknowledge)
    if replayed:
        return sent
    observability.count("MessageSent")
    new = {"type": "message.new", "message": sent.message.model_dump(mode="json")}
    # Every device shows the conversation as it is; the sending connection has the ack instead.
    _send_to_user(user_id, new, skip=origin_connection_id)
    _deliver(user_id, others, sent.message, new)
    return sent


def _stored_message(conversation_id: str, user_id: str, others: list[str],
                    body: MessageIn) -> tuple[int, MessageOut]:
    """201 and the message stored now, or 200 and the one a send with its client id stored."""
    existing = repo.message_by_client_id(conversation_id, user_id, body.client_msg_id)
    if existing:
        return 200, _with_media([MessageOut(**existing)])[0]
    if social_repo.blocked_among(user_id, others):
        raise _blocked()
    media.require_attachable(user_id, body.media_ids, "chat")
    stored = repo.insert_message(conversation_id, user_id, body.client_msg_id, body.text,
                                 body.media_ids)
    if stored is None:
        existing = repo.message_by_client_id(conversation_id, user_id, body.client_msg_id)
        assert existing is not None  # the send that won the race committed it
        return 200, _with_media([MessageOut(**existing)])[0]
    media.attach(body.media_ids, "message", conversation_id)
    return 201, _with_media([MessageOut(**stored)])[0]


def _acknowledged(sent: Sent, acknowledge: Callable[[Sent], None] | None) -> Sent:
    if acknowledge is not None:
        acknowledge(sent)
    return sent


def _deliver(sender_id: str, others: list[str], message: MessageOut,
             payload: dict[str, Any]) -> None:
    reached = [member for member in others if _send_to_user(member, payload)]
    if reached:
        try:
            repo.record_deliveries(message.id, reached)
        except errors.Unavailable as error:
            # The message is stored: a lost receipt must not fail its send and invite a resend.
            observability.log_warning("delivery receipts not recorded", message_id=message.id,
                                      error=str(error))
        for member in reached:
            _send_to_user(sender_id, {"type": "message.delivered", "conversation_id":
                                      message.conversation_id, "message_id": message.id,
                                      "user_id": member})
    for member in others:
        if member not in reached:
            _notify(member, sender_id, message)


def read_messages(user_id: str, conversation_id: str, message_id: str | None) -> dict[str, Any]:
    """Move the member's read position up to `message_id` (default: the last) and tell the others."""
    row = _membership(user_id, conversation_id)
    seq = None
    if message_id is not None:
        target = as_uuid(message_id)
        found = repo.message(row["id"], target) if target else None
        if found is None:
            raise errors.NotFound("No such message")
        seq = int(found["seq"])
    position = repo.mark_read(row["id"], user_id, seq)
    last_read = repo.last_message_id(row["id"], position)
    event = {"type": "message.read", "conversation_id": row["id"], "user_id": user_id,
             "message_id": last_read, "seq": position}
    for member in _unblocked_others(user_id, row["member_ids"]):
        _send_to_user(member, event)
    return event


def typing(user_id: str, conversation_id: str) -> int:
    """Tell the other members the user is typing, at most once per TYPING_INTERVAL_S; members told.

    The spacing comes first: a frame within the interval is dropped silently, with no database
    read, however fast a client sends them."""
    conversation = as_uuid(conversation_id)
    if conversation is None:
        raise _no_such_conversation()
    # Not stored: a key that expires only spaces the events out.
    if not cache.client().set(f"typing:{conversation}:{user_id}", 1, ex=TYPING_INTERVAL_S,
                              nx=True):
        return 0
    row = _membership(user_id, str(conversation))
    event = {"type": "typing", "conversation_id": row["id"], "user_id": user_id}
    return sum(1 for member in _unblocked_others(user_id, row["member_ids"])
               if _send_to_user(member, event))


def _unblocked_others(user_id: str, member_ids: list[str]) -> list[str]:
    """The other members, but those with a block either way between them and the user: in a
    group, typing and read receipts never cross a block."""
    others = [member for member in member_ids if member != user_id]
    hidden = social_repo.blocked_among(user_id, others) if others else set()
    return [member for member in others if member not in hidden]


# ---------------------------------------------------------------- side effects (fail-open)

def _send_to_user(user_id: str, payload: dict[str, Any], *, skip: str | None = None) -> int:
    """Connections of the user reached (all but `skip`); 0 when the realtime hub failed."""
    # lazy: the @connections client is cold-start weight the reading routes never use
    from plaza.realtime import delivery

    try:
        return delivery.send_to_user(user_id, payload, skip=skip)
    except Exception as error:  # noqa: BLE001 - a message is stored; live delivery is best effort
        observability.log_error("live delivery failed", error=error, type=payload.get("type"))
        return 0


def _notify(recipient_id: str, sender_id: str, message: MessageOut) -> None:
    notify("message", recipient_id, sender_id,
           {"conversation_id": message.conversation_id, "message_id": message.id,
            "text": message.text[:140]}, dedupe_key=f"message:{message.id}")
