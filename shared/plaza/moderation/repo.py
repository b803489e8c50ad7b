"""Moderation SQL: what a reporter can see (as a snapshot), reports, the grouped queue, and the
moderation state of posts, comments and messages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from plaza.posts.repo import visible_to
from plaza.sql import author_object, not_hidden
from plaza.stores import db

Row = dict[str, Any]

# Each query returns the target's author and a JSON snapshot of it, when the viewer may see it.
# Identifiers and fragments from our own code, never values: no injection vector.
_SNAPSHOTS = {
    "post": (
        "SELECT p.author_id::text AS author_id, json_build_object('text', p.text,"  # noqa: S608
        " 'media_ids', p.media_ids, 'visibility', p.visibility, 'hashtags', p.hashtags,"
        " 'reply_to', p.reply_to, 'created_at', p.created_at, 'edited_at', p.edited_at,"
        f" 'author', {author_object('u')}) AS snapshot"
        " FROM posts p JOIN users u ON u.id = p.author_id"
        " WHERE p.id = %(id)s AND p.deleted_at IS NULL AND u.status = 'active'"
        f" AND {visible_to()} AND {not_hidden('p.author_id')}"
    ),
    "comment": (
        "SELECT c.author_id::text AS author_id, json_build_object('text', c.text,"  # noqa: S608
        " 'post_id', c.post_id, 'created_at', c.created_at,"
        f" 'author', {author_object('u')}) AS snapshot"
        " FROM comments c JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = c.author_id"
        " WHERE c.id = %(id)s AND c.deleted_at IS NULL AND p.deleted_at IS NULL"
        f" AND u.status = 'active' AND {visible_to()} AND {not_hidden('p.author_id')}"
        f" AND {not_hidden('c.author_id')}"
    ),
    # Someone you blocked can still be reported: blocking is often why.
    "user": (
        "SELECT u.id::text AS author_id, json_build_object('username', u.username::text,"
        " 'display_name', u.display_name, 'bio', u.bio, 'avatar_media_id', u.avatar_media_id,"
        " 'created_at', u.created_at) AS snapshot"
        " FROM users u WHERE u.id = %(id)s AND u.status = 'active'"
    ),
    # Only a member of the conversation sees its messages.
    "message": (
        "SELECT m.sender_id::text AS author_id, json_build_object('text', m.text,"  # noqa: S608
        " 'conversation_id', m.conversation_id, 'seq', m.seq, 'created_at', m.created_at,"
        f" 'sender', {author_object('u')}) AS snapshot"
        " FROM messages m JOIN conversation_members cm ON cm.conversation_id = m.conversation_id"
        " AND cm.user_id = %(viewer)s LEFT JOIN users u ON u.id = m.sender_id"
        " WHERE m.id = %(id)s AND m.moderation IS NULL"
    ),
}

# The tables of content moderation can hide or remove.
_TABLES = {"post": "posts", "comment": "comments", "message": "messages"}

_REPORT = ("id::text AS id, target_type, target_id::text AS target_id, reason, note, status,"
           " created_at, resolution, resolved_at")


def visible_target(viewer_id: str, target_type: str, target_id: str) -> Row | None:
    """The target's author id and snapshot, if the viewer may see it; None otherwise."""
    return db.fetch_one(_SNAPSHOTS[target_type], {"id": target_id, "viewer": viewer_id})


def open_report(reporter_id: str, target_type: str, target_id: str) -> Row | None:
    return db.fetch_one(
        f"SELECT {_REPORT} FROM reports WHERE reporter_id = %s AND target_type = %s"  # noqa: S608
        " AND target_id = %s AND status = 'open'",
        (reporter_id, target_type, target_id),
    )


def insert_report(reporter_id: str, target_type: str, target_id: str, author_id: str | None,
                  reason: str, note: str | None, snapshot: Any) -> Row | None:
    """The new open report; None when the reporter already has one open on the target."""
    return db.fetch_one(
        "INSERT INTO reports (reporter_id, target_type, target_id, target_author_id, reason, note,"  # noqa: S608
        " snapshot) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)"
        " ON CONFLICT (reporter_id, target_type, target_id) WHERE status = 'open' DO NOTHING"
        f" RETURNING {_REPORT}",
        (reporter_id, target_type, target_id, author_id, reason, note, json.dumps(snapshot, default=str)),
    )


def open_reporters(target_type: str, target_id: str) -> int:
    row = db.fetch_one(
        "SELECT count(DISTINCT reporter_id)::int AS n FROM reports"
        " WHERE target_type = %s AND target_id = %s AND status = 'open'",
        (target_type, target_id),
    )
    return row["n"] if row else 0


def moderation_state(target_type: str, target_id: str) -> Row | None:
    """The content's moderation state, its row locked for this transaction; None if it is gone."""
    table = _TABLES[target_type]
    return db.fetch_one(
        f"SELECT moderation, moderated_at FROM {table} WHERE id = %s FOR NO KEY UPDATE",  # noqa: S608
        (target_id,),
    )


def hide(target_type: str, target_id: str) -> bool:
    """Hide content pending review; False if it is already gone or moderated."""
    table = _TABLES[target_type]
    gone = "" if target_type == "message" else ", deleted_at = clock_timestamp()"
    live = "" if target_type == "message" else " AND deleted_at IS NULL"
    return db.execute(
        f"UPDATE {table} SET moderation = 'hidden', moderated_at = clock_timestamp(){gone}"  # noqa: S608
        f" WHERE id = %s AND moderation IS NULL{live}",
        (target_id,),
    ) == 1


def remove(target_type: str, target_id: str, moderator_id: str) -> bool:
    """Remove content by moderation (whether hidden, deleted by its author, or live)."""
    table = _TABLES[target_type]
    gone = {"post": ", deleted_at = COALESCE(deleted_at, clock_timestamp()),"
                    " deleted_by = COALESCE(deleted_by, %(by)s)",
            "comment": ", deleted_at = COALESCE(deleted_at, clock_timestamp())",
            "message": ""}[target_type]
    return db.execute(
        f"UPDATE {table} SET moderation = 'removed', moderated_at = clock_timestamp(){gone}"  # noqa: S608
        " WHERE id = %(id)s",
        {"id": target_id, "by": moderator_id},
    ) == 1


def restore(target_type: str, target_id: str) -> bool:
    """Bring back content that moderation hid pending review (nothing its author deleted)."""
    table = _TABLES[target_type]
    back = "" if target_type == "message" else ", deleted_at = NULL"
    return db.execute(
        f"UPDATE {table} SET moderation = NULL, moderated_at = NULL{back}"  # noqa: S608
        " WHERE id = %s AND moderation = 'hidden'",
        (target_id,),
    ) == 1


def report_target(report_id: str) -> Row | None:
    return db.fetch_one(
        "SELECT id::text AS id, target_type, target_id::text AS target_id,"
        " target_author_id::text AS target_author_id, status FROM reports WHERE id = %s",
        (report_id,),
    )


def resolve_open(target_type: str, target_id: str, moderator_id: str, action: str,
                 reason: str) -> list[Row]:
    """Resolve every open report on the target at once; the reports resolved, with reporters."""
    return db.fetch_all(
        "UPDATE reports SET status = 'resolved', resolved_at = clock_timestamp(),"
        " resolved_by = %s, resolution = %s, resolution_reason = %s"
        " WHERE target_type = %s AND target_id = %s AND status = 'open'"
        " RETURNING id::text AS id, reporter_id::text AS reporter_id",
        (moderator_id, action, reason, target_type, target_id),
    )


def queue_page(status: str, target_type: str | None, limit: int,
               after: tuple[dt.datetime, str] | None) -> list[Row]:
    """Reported targets, one row per target and resolution: open ones oldest report first (a
    queue), resolved ones latest resolution first. Keyset on (sort_at, report_id, a uuid)."""
    params: dict[str, Any] = {"status": status, "type": target_type, "limit": limit}
    type_filter = " AND r.target_type = %(type)s" if target_type else ""
    sort_at, order, op = (("min(r.created_at)", "ASC", ">") if status == "open"
                          else ("max(r.resolved_at)", "DESC", "<"))
    keyset = ""
    if after is not None:
        keyset = f" WHERE (g.sort_at, g.report_id) {op} (%(after_at)s, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    moderation = " ".join(f"WHEN '{kind}' THEN (SELECT t.moderation FROM {table} t"  # noqa: S608
                          " WHERE t.id = r.target_id)" for kind, table in _TABLES.items())
    return db.fetch_all(
        "SELECT g.* FROM ("  # noqa: S608 - fixed fragments only
        " SELECT (array_agg(r.id ORDER BY r.created_at, r.id))[1] AS report_id,"
        " r.target_type, r.target_id::text AS target_id,"
        " (array_agg(r.target_author_id::text ORDER BY r.created_at))[1] AS target_author_id,"
        " count(DISTINCT r.reporter_id)::int AS reporters, array_agg(r.reason) AS reasons,"
        " array_remove(array_agg(r.note ORDER BY r.created_at), NULL) AS notes,"
        " (array_agg(r.snapshot ORDER BY r.created_at))[1] AS snapshot,"
        " min(r.created_at) AS first_reported_at, max(r.created_at) AS last_reported_at,"
        " max(r.resolution) AS resolution, r.resolved_at,"
        f" CASE r.target_type {moderation} END AS moderation, {sort_at} AS sort_at"
        f" FROM reports r WHERE r.status = %(status)s{type_filter}"
        " GROUP BY r.target_type, r.target_id, r.resolved_at) g"
        f"{keyset} ORDER BY g.sort_at {order}, g.report_id {order} LIMIT %(limit)s",
        params,
    )
