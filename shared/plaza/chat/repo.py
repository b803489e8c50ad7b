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
        " WHERE mine.user_id = %s AND other.user_id <> %s",
        (user_id, user_id),
    )
    return {row["id"] for row in rows}
