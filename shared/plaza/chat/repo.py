"""Chat SQL: conversations, members, messages (ordered by a per-conversation sequence), receipts."""

from __future__ import annotations

from typing import Any

from plaza.stores import db

Row = dict[str, Any]


def is_member(user_id: str, conversation_id: str) -> bool:
    row = db.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM conversation_members"
        " WHERE conversation_id = %s AND user_id = %s) AS member",
        (conversation_id, user_id),
    )
    return bool(row and row["member"])


def partner_ids(user_id: str) -> set[str]:
    rows = db.fetch_all(
        "SELECT DISTINCT other.user_id::text AS id FROM conversation_members mine"
        " JOIN conversation_members other ON other.conversation_id = mine.conversation_id"
        " WHERE mine.user_id = %(u)s AND other.user_id <> %(u)s"
        # A block hides presence too, even in a conversation from before it.
        " AND NOT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = %(u)s AND blocked_id = other.user_id)"
        " OR (blocked_id = %(u)s AND blocker_id = other.user_id))",
        {"u": user_id},
    )
    return {row["id"] for row in rows}


def user_ids_by_username(usernames: list[str]) -> dict[str, str]:
    """Active users among `usernames`: lower-cased username -> id."""
    rows = db.fetch_all(
        "SELECT lower(username::text) AS username, id::text AS id FROM users"
        " WHERE username = ANY(%s::citext[]) AND status = 'active'",
        (usernames,),
    )
    return {row["username"]: row["id"] for row in rows}


def direct_conversation(direct_key: str) -> str | None:
    row = db.fetch_one("SELECT id::text AS id FROM conversations WHERE direct_key = %s", (direct_key,))
    return row["id"] if row else None


def insert_conversation(kind: str, title: str | None, direct_key: str | None, created_by: str,
                        members: list[str]) -> str | None:
    """A new conversation with its members; None when the direct pair already has one (a race)."""
    with db.transaction():
        row = db.fetch_one(
            "INSERT INTO conversations (kind, title, direct_key, created_by) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (direct_key) DO NOTHING RETURNING id::text AS id",
            (kind, title, direct_key, created_by),
        )
        if row is None:
            return None
        db.execute(
            "INSERT INTO conversation_members (conversation_id, user_id)"
            " SELECT %s, unnest(%s::uuid[])",
            (row["id"], members),
        )
    return str(row["id"])


def rename(conversation_id: str, title: str | None) -> None:
    db.execute("UPDATE conversations SET title = %s WHERE id = %s", (title, conversation_id))


def add_members(conversation_id: str, user_ids: list[str]) -> list[str]:
    """Those of `user_ids` who were not members yet and are now."""
    rows = db.fetch_all(
        "INSERT INTO conversation_members (conversation_id, user_id)"
        " SELECT %s, unnest(%s::uuid[]) ON CONFLICT DO NOTHING RETURNING user_id::text AS id",
        (conversation_id, user_ids),
    )
    return [row["id"] for row in rows]


def remove_member(conversation_id: str, user_id: str) -> bool:
    """Whether the user was a member (and is no longer)."""
    row = db.fetch_one(
        "DELETE FROM conversation_members WHERE conversation_id = %s AND user_id = %s"
        " RETURNING user_id", (conversation_id, user_id))
    return row is not None


def created_by(conversation_id: str) -> str | None:
    row = db.fetch_one("SELECT created_by::text AS id FROM conversations WHERE id = %s",
                       (conversation_id,))
    return row["id"] if row else None


def conversation(conversation_id: str) -> Row | None:
    return db.fetch_one(
        "SELECT c.id::text AS id, c.kind, c.title, c.created_at,"
        " array_agg(m.user_id::text) AS member_ids FROM conversations c"
        " JOIN conversation_members m ON m.conversation_id = c.id WHERE c.id = %s"
        " GROUP BY c.id",
        (conversation_id,),
    )


_MESSAGE = ("m.id::text AS id, m.conversation_id::text AS conversation_id, m.seq,"
            " m.sender_id::text AS sender_id, m.client_msg_id,"
            # Moderation hides a message in history rather than deleting it (migration 0050).
            " CASE m.moderation WHEN 'removed' THEN 'removed by moderation'"
            " WHEN 'hidden' THEN 'hidden pending moderation review' ELSE m.text END AS text,"
            " m.media_ids::text[] AS media_ids, m.created_at")


def message_by_client_id(conversation_id: str, sender_id: str, client_msg_id: str) -> Row | None:
    return db.fetch_one(
        f"SELECT {_MESSAGE} FROM messages m WHERE m.conversation_id = %s AND m.sender_id = %s"  # noqa: S608
        " AND m.client_msg_id = %s",
        (conversation_id, sender_id, client_msg_id),
    )


def message(conversation_id: str, message_id: str) -> Row | None:
    return db.fetch_one(
        f"SELECT {_MESSAGE} FROM messages m WHERE m.conversation_id = %s AND m.id = %s",  # noqa: S608
        (conversation_id, message_id),
    )


class _Replayed(Exception):
    """A concurrent send with the same client_msg_id committed first: undo this one's sequence."""


def insert_message(conversation_id: str, sender_id: str, client_msg_id: str, text: str,
                   media_ids: list[str] | None = None) -> Row | None:
    """Store a message with the conversation's next sequence; None if the client id is taken.

    The counter UPDATE locks the conversation row until commit, so concurrent senders queue on it
    and sequences follow commit order. A second send with the same client id waits on that lock,
    then its insert conflicts with the committed first: it rolls back, sequence included.
    """
    try:
        with db.transaction():
            db.execute(
                "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = clock_timestamp()"
                " WHERE id = %s",
                (conversation_id,),
            )
            row = db.fetch_one(
                "INSERT INTO messages AS m (conversation_id, seq, sender_id, client_msg_id, text,"  # noqa: S608
                " media_ids) SELECT id, last_seq, %s, %s, %s, %s::uuid[] FROM conversations"
                " WHERE id = %s ON CONFLICT (conversation_id, sender_id, client_msg_id) DO NOTHING"
                f" RETURNING {_MESSAGE}",
                (sender_id, client_msg_id, text, media_ids or [], conversation_id),
            )
            if row is None:
                raise _Replayed()
            # The sender has read their own message.
            db.execute(
                "UPDATE conversation_members SET last_read_seq = GREATEST(last_read_seq, %s)"
                " WHERE conversation_id = %s AND user_id = %s",
                (row["seq"], conversation_id, sender_id),
            )
    except _Replayed:
        return None
    return row


def record_deliveries(message_id: str, user_ids: list[str]) -> None:
    db.execute(
        "INSERT INTO message_deliveries (message_id, user_id) SELECT %s, unnest(%s::uuid[])"
        " ON CONFLICT DO NOTHING",
        (message_id, user_ids),
    )


def delivered_to(message_id: str) -> set[str]:
    rows = db.fetch_all(
        "SELECT user_id::text AS id FROM message_deliveries WHERE message_id = %s", (message_id,))
    return {row["id"] for row in rows}


def mark_read(conversation_id: str, user_id: str, seq: int | None) -> int:
    """Move the member's read position forward to `seq` (None: the last message); the new position."""
    row = db.fetch_one(
        "UPDATE conversation_members cm SET last_read_seq = GREATEST(cm.last_read_seq,"
        " LEAST(COALESCE(%s, c.last_seq), c.last_seq)) FROM conversations c"
        " WHERE c.id = cm.conversation_id AND cm.conversation_id = %s AND cm.user_id = %s"
        " RETURNING cm.last_read_seq",
        (seq, conversation_id, user_id),
    )
    return int(row["last_read_seq"]) if row else 0


def last_message_id(conversation_id: str, up_to_seq: int) -> str | None:
    row = db.fetch_one(
        "SELECT id::text AS id FROM messages WHERE conversation_id = %s AND seq <= %s"
        " ORDER BY seq DESC LIMIT 1",
        (conversation_id, up_to_seq),
    )
    return row["id"] if row else None


def message_page(conversation_id: str, before_id: str | None, limit: int) -> list[Row]:
    """Newest first; `limit + 1` rows so the caller knows whether another page follows."""
    before = ("AND m.seq < (SELECT b.seq FROM messages b WHERE b.id = %(before)s"
              " AND b.conversation_id = %(conversation)s)") if before_id else ""
    return db.fetch_all(
        f"SELECT {_MESSAGE} FROM messages m WHERE m.conversation_id = %(conversation)s {before}"  # noqa: S608
        " ORDER BY m.seq DESC LIMIT %(limit)s",
        {"conversation": conversation_id, "before": before_id, "limit": limit + 1},
    )


def conversation_page(user_id: str, after: tuple[Any, str] | None, limit: int) -> list[Row]:
    """The user's conversations, most recently active first, with members, last message, unread."""
    keyset = ("AND (COALESCE(c.last_message_at, c.created_at), c.id) < (%(at)s, %(id)s::uuid)"
              if after else "")
    return db.fetch_all(
        "SELECT c.id::text AS id, c.kind, c.title, c.created_at,"  # noqa: S608
        " COALESCE(c.last_message_at, c.created_at) AS active_at,"
        " c.last_seq - mine.last_read_seq AS unread_count,"
        " (SELECT jsonb_agg(jsonb_build_object('id', u.id::text, 'username', u.username::text)"
        " ORDER BY u.username) FROM conversation_members cm JOIN users u ON u.id = cm.user_id"
        " WHERE cm.conversation_id = c.id) AS members,"
        " (SELECT to_jsonb(lm) FROM (SELECT " + _MESSAGE + " FROM messages m"
        " WHERE m.conversation_id = c.id AND m.seq = c.last_seq) lm) AS last_message"
        " FROM conversation_members mine JOIN conversations c ON c.id = mine.conversation_id"
        f" WHERE mine.user_id = %(user)s {keyset}"
        " ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC LIMIT %(limit)s",
        {"user": user_id, "at": after[0] if after else None, "id": after[1] if after else None,
         "limit": limit + 1},
    )


def members_of(conversation_id: str) -> list[Row]:
    return db.fetch_all(
        "SELECT u.id::text AS id, u.username::text AS username FROM conversation_members cm"
        " JOIN users u ON u.id = cm.user_id WHERE cm.conversation_id = %s ORDER BY u.username",
        (conversation_id,),
    )
