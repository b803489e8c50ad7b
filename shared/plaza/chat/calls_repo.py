"""Call SQL: the call and its participants, each change guarded by the state it leaves, so a
repeated or late action changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.stores import db

Row = dict[str, Any]

_CALL = ("c.id::text AS id, c.conversation_id::text AS conversation_id,"
         " c.caller_id::text AS caller_id, c.kind, c.channel, c.status, c.started_at,"
         " c.answered_at, c.ended_at, c.ended_by::text AS ended_by")


def start(conversation_id: str, caller_id: str, kind: str, channel: str,
          invited: list[str]) -> Row | None:
    """The new ringing call (the caller uid 1, the invited 2, 3 ...); None when the conversation
    has a live call already (one at a time)."""
    with db.transaction():
        row = db.fetch_one(
            "INSERT INTO calls (conversation_id, caller_id, kind, channel) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (conversation_id) WHERE status IN ('ringing', 'active') DO NOTHING"
            " RETURNING id::text AS id", (conversation_id, caller_id, kind, channel))
        if row is None:
            return None
        db.execute(
            "INSERT INTO call_participants (call_id, user_id, uid, state)"
            " SELECT %(call)s, u.user_id, u.n, CASE WHEN u.n = 1 THEN 'caller' ELSE 'ringing' END"
            " FROM unnest(%(users)s::uuid[]) WITH ORDINALITY AS u (user_id, n)",
            {"call": row["id"], "users": [caller_id, *invited]})
    return call(row["id"])


def live_call(conversation_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {_CALL} FROM calls c WHERE conversation_id = %s"  # noqa: S608
                        " AND status IN ('ringing', 'active')", (conversation_id,))


def call(call_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {_CALL} FROM calls c WHERE id = %s", (call_id,))  # noqa: S608


def participants(call_id: str) -> list[Row]:
    return db.fetch_all("SELECT user_id::text AS user_id, uid, state FROM call_participants"
                        " WHERE call_id = %s ORDER BY uid", (call_id,))


def accept(call_id: str, user_id: str) -> bool:
    """The member answers: their part accepted, the call active from its first answer. False when
    the call is no longer live or they are not rung (an accept again is True: a fresh token)."""
    with db.transaction():
        live = db.fetch_one("SELECT status FROM calls WHERE id = %s FOR UPDATE", (call_id,))
        if live is None or live["status"] not in ("ringing", "active"):
            return False
        part = db.fetch_one(
            "UPDATE call_participants SET state = 'accepted', answered_at = COALESCE(answered_at,"
            " clock_timestamp()) WHERE call_id = %s AND user_id = %s AND state IN ('ringing',"
            " 'accepted') RETURNING state", (call_id, user_id))
        if part is None:
            return False
        db.execute("UPDATE calls SET status = 'active', answered_at = clock_timestamp()"
                   " WHERE id = %s AND status = 'ringing'", (call_id,))
    return True


def decline(call_id: str, user_id: str) -> str | None:
    """The member declines; the call's status after it (declined when nobody is left ringing and
    nobody answered), or None when there was nothing to decline."""
    with db.transaction():
        live = db.fetch_one("SELECT status FROM calls WHERE id = %s FOR UPDATE", (call_id,))
        if live is None or live["status"] != "ringing":
            return None
        if not db.execute("UPDATE call_participants SET state = 'declined' WHERE call_id = %s"
                          " AND user_id = %s AND state = 'ringing'", (call_id, user_id)):
            return None
        ringing = db.fetch_one("SELECT count(*) AS n FROM call_participants WHERE call_id = %s"
                               " AND state = 'ringing'", (call_id,))
        if ringing is not None and ringing["n"] == 0:
            db.execute("UPDATE calls SET status = 'declined', ended_at = clock_timestamp(),"
                       " ended_by = %s WHERE id = %s", (user_id, call_id))
            return "declined"
    return "ringing"


def end(call_id: str, user_id: str | None, unanswered_status: str) -> Row | None:
    """End a live call: `ended` if it was answered, else `unanswered_status` (missed). None when
    it had ended already. `user_id` None: the ring timeout, which ends only a ringing call."""
    return db.fetch_one(
        "UPDATE calls SET status = CASE WHEN status = 'active' THEN 'ended' ELSE %(unanswered)s END,"
        " ended_at = clock_timestamp(), ended_by = %(user)s WHERE id = %(call)s AND"
        " (status = 'ringing' OR (status = 'active' AND %(user)s::uuid IS NOT NULL))"
        " RETURNING id::text AS id, status",
        {"call": call_id, "user": user_id, "unanswered": unanswered_status})


def page(conversation_id: str, limit: int, after: tuple[dt.datetime, str] | None) -> list[Row]:
    """The conversation's calls, newest first, after the keyset position `after`."""
    return db.fetch_all(
        f"SELECT {_CALL} FROM calls c WHERE conversation_id = %(c)s"  # noqa: S608
        " AND (%(at)s::timestamptz IS NULL OR (started_at, id) < (%(at)s, %(id)s::uuid))"
        " ORDER BY started_at DESC, id DESC LIMIT %(limit)s",
        {"c": conversation_id, "at": after[0] if after else None,
         "id": after[1] if after else None, "limit": limit})
