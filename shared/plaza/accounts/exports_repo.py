"""Data export SQL: the request's row, the plan's page boundaries, one page of a section, and the
parts written. Every section is a query over the user's rows with one sortable text key `k`, so a
page is a key range (`after` < k <= `upto`) and reading it again reads the same rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.stores import db

Row = dict[str, Any]

_EXPORT = ("id::text AS id, user_id::text AS user_id, status, requested_at, parts_total,"
           " (SELECT count(*) FROM data_export_parts p WHERE p.export_id = e.id)::int AS parts_done,"
           " object_key, size_bytes, completed_at, expires_at")

# Each section: the user's rows as (k, the row's columns); %(u)s is the user's id. Keys are text
# compared byte-wise (COLLATE "C"), so pages never overlap whatever the database's locale.
SECTIONS: dict[str, str] = {
    "profile": ("SELECT id::text AS k, id, username::text AS username, email::text AS email,"
                " display_name, bio, avatar_media_id, role, status, email_verified_at, created_at"
                " FROM users WHERE id = %(u)s"),
    "sessions": ("SELECT id::text AS k, id, device_id, user_agent, ip, created_at, last_used_at,"
                 " expires_at, revoked_at, revoked_reason FROM sessions WHERE user_id = %(u)s"),
    "posts": ("SELECT id::text AS k, id, text, media_ids, visibility, reply_to, hashtags,"
              " like_count, comment_count, created_at, edited_at, deleted_at"
              " FROM posts WHERE author_id = %(u)s"),
    "comments": ("SELECT id::text AS k, id, post_id, text, created_at, deleted_at"
                 " FROM comments WHERE author_id = %(u)s"),
    "likes": "SELECT post_id::text AS k, post_id, created_at FROM likes WHERE user_id = %(u)s",
    "follows": ("SELECT 'following:' || f.followee_id AS k, 'following' AS direction,"
                " f.followee_id AS user_id, o.username::text AS username, f.created_at"
                " FROM follows f JOIN users o ON o.id = f.followee_id WHERE f.follower_id = %(u)s"
                " UNION ALL SELECT 'follower:' || f.follower_id AS k, 'follower' AS direction,"
                " f.follower_id AS user_id, o.username::text AS username, f.created_at"
                " FROM follows f JOIN users o ON o.id = f.follower_id WHERE f.followee_id = %(u)s"),
    "blocks": ("SELECT b.blocked_id::text AS k, b.blocked_id AS user_id,"
               " o.username::text AS username, b.created_at"
               " FROM blocks b JOIN users o ON o.id = b.blocked_id WHERE b.blocker_id = %(u)s"),
    "conversations": ("SELECT c.id::text AS k, c.id, c.kind, c.title, c.created_at, m.joined_at"
                      " FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id"
                      " WHERE m.user_id = %(u)s"),
    "messages": ("SELECT id::text AS k, id, conversation_id, seq, text, created_at"
                 " FROM messages WHERE sender_id = %(u)s"),
    "notifications": ("SELECT id::text AS k, id, kind, actor_id, data, created_at, read_at"
                      " FROM notifications WHERE recipient_id = %(u)s"),
    # The list of their uploads (plaza.media's table): what each is, not the files themselves.
    "media": ("SELECT id::text AS k, id, purpose, status, content_type, size, filename, width,"
              " height, pages, created_at FROM media WHERE owner_id = %(u)s"),
}


def latest(user_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {_EXPORT} FROM data_exports e WHERE user_id = %s"  # noqa: S608
                        " ORDER BY requested_at DESC LIMIT 1", (user_id,))


def create_unless_recent(user_id: str, since: dt.datetime) -> tuple[Row | None, Row | None]:
    """(the new export, None), or (None, the one requested after `since` that stands in its way),
    or (None, None) when the account is not active. Failed exports do not count. One at a time
    per user: the check and the insert hold the user's advisory lock, so two requests at once
    cannot both pass."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(hashtextextended('data_export:' || %s, 0))",
                   (user_id,))
        recent = db.fetch_one(
            f"SELECT {_EXPORT} FROM data_exports e WHERE user_id = %s AND requested_at > %s"  # noqa: S608
            " AND status <> 'failed' ORDER BY requested_at DESC LIMIT 1", (user_id, since))
        if recent is not None:
            return None, recent
        row = db.fetch_one("INSERT INTO data_exports (user_id) SELECT id FROM users"
                           " WHERE id = %s AND status = 'active' RETURNING id", (user_id,))
        return (export(str(row["id"])) if row else None), None


def export(export_id: str, user_id: str | None = None) -> Row | None:
    """The export; with `user_id`, only when it is that user's."""
    return db.fetch_one(
        f"SELECT {_EXPORT} FROM data_exports e WHERE id = %(id)s"  # noqa: S608
        " AND (%(u)s::uuid IS NULL OR user_id = %(u)s::uuid)", {"id": export_id, "u": user_id})


def mark_failed(export_id: str) -> None:
    db.execute("UPDATE data_exports SET status = 'failed' WHERE id = %s AND status <> 'ready'",
               (export_id,))


def start(export_id: str, parts_total: int) -> Row | None:
    """Record the plan (a rerun plans the same pages); None when the export is unknown or done."""
    return db.fetch_one(
        "UPDATE data_exports SET status = 'running', parts_total = %s WHERE id = %s"
        " AND status IN ('pending', 'running') RETURNING user_id::text AS user_id",
        (parts_total, export_id))


def page_boundaries(section: str, user_id: str, page_size: int) -> list[str]:
    """The key ending each full page of `section` (the last, partial page ends at no key)."""
    rows = db.fetch_all(
        "SELECT k FROM (SELECT k, row_number() OVER (ORDER BY k COLLATE \"C\") AS n"  # noqa: S608
        f" FROM ({SECTIONS[section]}) s) t WHERE n %% %(size)s = 0 ORDER BY k COLLATE \"C\"",
        {"u": user_id, "size": page_size})
    return [str(row["k"]) for row in rows]


def page(section: str, user_id: str, after: str | None, upto: str | None, limit: int) -> list[str]:
    """One page of the section as JSON texts, one per row, in key order (Postgres writes them)."""
    rows = db.fetch_all(
        "SELECT (to_jsonb(s) - 'k')::text AS item FROM (" + SECTIONS[section] + ") s"  # noqa: S608
        " WHERE (%(after)s::text IS NULL OR k COLLATE \"C\" > %(after)s::text)"
        " AND (%(upto)s::text IS NULL OR k COLLATE \"C\" <= %(upto)s::text)"
        " ORDER BY k COLLATE \"C\" LIMIT %(limit)s",
        {"u": user_id, "after": after, "upto": upto, "limit": limit})
    return [str(row["item"]) for row in rows]


def record_part(export_id: str, part: int, rows_written: int) -> None:
    db.execute("INSERT INTO data_export_parts (export_id, part, rows_written) VALUES (%s, %s, %s)"
               " ON CONFLICT (export_id, part) DO NOTHING", (export_id, part, rows_written))


def finish(export_id: str, object_key: str, size_bytes: int, expires_at: dt.datetime) -> Row | None:
    """Mark the export ready; None when it was already (a retried last step changes nothing)."""
    return db.fetch_one(
        "UPDATE data_exports SET status = 'ready', object_key = %s, size_bytes = %s,"
        " completed_at = clock_timestamp(), expires_at = %s WHERE id = %s AND status = 'running'"
        " RETURNING user_id::text AS user_id", (object_key, size_bytes, expires_at, export_id))


def ids_of_user(user_id: str) -> list[str]:
    """Every export of the user (one a day at most, so a short list)."""
    rows = db.fetch_all("SELECT id::text AS id FROM data_exports WHERE user_id = %s", (user_id,))
    return [str(row["id"]) for row in rows]


def delete(export_ids: list[str]) -> int:
    return db.execute("DELETE FROM data_exports WHERE id = ANY(%s::uuid[])", (export_ids,))
