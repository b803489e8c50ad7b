"""Media SQL: the media rows, their attachments, the owner's usage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.types.json import Jsonb

from plaza.stores import db

Row = dict[str, Any]

_COLUMNS = ("m.id::text AS id, m.owner_id::text AS owner_id, m.purpose, m.status,"
            " m.content_type, m.declared_size, m.size, m.filename, m.upload_key,"
            " m.multipart_upload_id, m.width, m.height, m.blurhash, m.pages, m.variants,"
            " m.reason, m.created_at, m.processed_at, m.attached_at")


def lock_active_owner(owner_id: str) -> bool:
    """Whether the account is active, kept so (KEY SHARE) until the transaction ends."""
    return db.fetch_one("SELECT 1 AS ok FROM users WHERE id = %s AND status = 'active'"
                        " FOR KEY SHARE", (owner_id,)) is not None


def insert(owner_id: str, purpose: str, content_type: str, size: int, filename: str | None,
           media_id: str, upload_key: str) -> Row:
    row = db.fetch_one(
        "INSERT INTO media AS m (id, owner_id, purpose, content_type, declared_size, filename,"  # noqa: S608
        f" upload_key) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
        (media_id, owner_id, purpose, content_type, size, filename, upload_key))
    assert row is not None
    return row


def set_multipart(media_id: str, upload_id: str) -> None:
    db.execute("UPDATE media SET multipart_upload_id = %s WHERE id = %s", (upload_id, media_id))


def media(media_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {_COLUMNS} FROM media m WHERE m.id = %s", (media_id,))  # noqa: S608


def locked(media_id: str) -> Row | None:
    """The row, locked until the caller's transaction ends (processing runs once at a time)."""
    return db.fetch_one(f"SELECT {_COLUMNS} FROM media m WHERE m.id = %s FOR UPDATE",  # noqa: S608
                        (media_id,))


def many(media_ids: list[str]) -> list[Row]:
    return db.fetch_all(f"SELECT {_COLUMNS} FROM media m WHERE m.id = ANY(%s::uuid[])",  # noqa: S608
                        (media_ids,))


def used_bytes(owner_id: str, *, except_id: str | None = None) -> int:
    """What the owner's media holds: stored bytes of ready media, declared bytes of pending."""
    row = db.fetch_one(
        "SELECT coalesce(sum(CASE WHEN status = 'ready' THEN coalesce(size, declared_size)"
        " ELSE declared_size END), 0)::bigint AS used FROM media"
        " WHERE owner_id = %s AND status <> 'rejected' AND id IS DISTINCT FROM %s::uuid",
        (owner_id, except_id))
    return int(row["used"]) if row else 0


def mark_ready(media_id: str, size: int, width: int | None, height: int | None,
               blurhash: str | None, pages: int | None, variants: dict[str, str]) -> None:
    db.execute(
        "UPDATE media SET status = 'ready', size = %s, width = %s, height = %s, blurhash = %s,"
        " pages = %s, variants = %s, processed_at = clock_timestamp() WHERE id = %s",
        (size, width, height, blurhash, pages, Jsonb(variants), media_id))


def mark_rejected(media_id: str, reason: str) -> None:
    db.execute(
        "UPDATE media SET status = 'rejected', reason = %s, processed_at = clock_timestamp()"
        " WHERE id = %s", (reason, media_id))


def page(owner_id: str, before: tuple[dt.datetime, str] | None, limit: int) -> list[Row]:
    keyset = "AND (m.created_at, m.id) < (%(at)s, %(id)s::uuid)" if before else ""
    return db.fetch_all(
        f"SELECT {_COLUMNS} FROM media m WHERE m.owner_id = %(owner)s {keyset}"  # noqa: S608
        " ORDER BY m.created_at DESC, m.id DESC LIMIT %(limit)s",
        {"owner": owner_id, "at": before[0] if before else None,
         "id": before[1] if before else None, "limit": limit + 1})


def attach(media_ids: list[str], kind: str, target_id: str) -> None:
    if not media_ids:
        return
    db.execute(
        "INSERT INTO media_attachments (media_id, kind, target_id)"
        " SELECT id, %s, %s FROM unnest(%s::uuid[]) AS id ON CONFLICT DO NOTHING",
        (kind, target_id, media_ids))
    db.execute("UPDATE media SET attached_at = coalesce(attached_at, clock_timestamp())"
               " WHERE id = ANY(%s::uuid[])", (media_ids,))


def detach_target(kind: str, target_id: str) -> None:
    db.execute("DELETE FROM media_attachments WHERE kind = %s AND target_id = %s",
               (kind, target_id))


def attachments(media_id: str) -> list[tuple[str, str]]:
    rows = db.fetch_all("SELECT kind, target_id FROM media_attachments WHERE media_id = %s"
                        " LIMIT 100", (media_id,))
    return [(row["kind"], row["target_id"]) for row in rows]


def delete(media_id: str) -> None:
    db.execute("DELETE FROM media WHERE id = %s", (media_id,))


def never_attached(older_than: dt.datetime, limit: int) -> list[Row]:
    return db.fetch_all(
        f"SELECT {_COLUMNS} FROM media m WHERE m.attached_at IS NULL"  # noqa: S608
        " AND m.created_at < %s ORDER BY m.created_at LIMIT %s", (older_than, limit))


def of_owner(owner_id: str, limit: int) -> list[Row]:
    return db.fetch_all(f"SELECT {_COLUMNS} FROM media m WHERE m.owner_id = %s"  # noqa: S608
                        " ORDER BY m.created_at LIMIT %s", (owner_id, limit))
