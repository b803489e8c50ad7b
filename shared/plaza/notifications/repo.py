"""Notifications SQL: stored notifications, pages and unread counts, preferences, push tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.types.json import Jsonb

from plaza.sql import not_hidden
from plaza.stores import db

Row = dict[str, Any]

_SELECT = (
    "SELECT n.id::text AS id, n.kind, n.actor_id::text AS actor_id,"
    " a.username::text AS actor_username, n.data, n.created_at, n.read_at IS NOT NULL AS read"
    " FROM notifications n LEFT JOIN users a ON a.id = n.actor_id"
)


def insert(recipient_id: str, kind: str, actor_id: str | None, data: dict[str, Any],
           dedupe_key: str) -> Row | None:
    """Store a notification; None when this (recipient, dedupe_key) was already stored."""
    row = db.fetch_one(
        "INSERT INTO notifications (recipient_id, kind, actor_id, data, dedupe_key)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT ON CONSTRAINT notifications_dedupe_key DO NOTHING"
        " RETURNING id::text AS id",
        (recipient_id, kind, actor_id, Jsonb(data), dedupe_key),
    )
    if row is None:
        return None
    return db.fetch_one(_SELECT + " WHERE n.id = %s", (row["id"],))  # noqa: S608


def recipient_accepts(recipient_id: str, kind: str, actor_id: str) -> bool:
    """An active recipient who has not turned `kind` off, with no block between them and the actor."""
    row = db.fetch_one(
        "SELECT COALESCE((SELECT enabled FROM notification_preferences"  # noqa: S608
        " WHERE user_id = u.id AND kind = %(kind)s), true)"
        f" AND {not_hidden('%(actor)s', viewer='u.id')} AS enabled"
        " FROM users u WHERE u.id = %(recipient)s AND u.status = 'active'",
        {"kind": kind, "recipient": recipient_id, "actor": actor_id},
    )
    return bool(row and row["enabled"])


def recipient_active(recipient_id: str) -> bool:
    """For Plaza's own notices (no actor, no preference): whether the recipient is active."""
    return db.fetch_one("SELECT 1 AS one FROM users WHERE id = %s AND status = 'active'",
                        (recipient_id,)) is not None


def page(recipient_id: str, limit: int, after: tuple[dt.datetime, str] | None) -> list[Row]:
    """Newest first from the cursor, `limit` rows, without users the recipient blocks either way."""
    where = "n.recipient_id = %(me)s AND " + not_hidden("n.actor_id", "%(me)s")
    if after is not None:
        where += " AND (n.created_at, n.id) < (%(at)s, %(id)s::uuid)"
    return db.fetch_all(
        f"{_SELECT} WHERE {where} ORDER BY n.created_at DESC, n.id DESC LIMIT %(limit)s",  # noqa: S608
        {"me": recipient_id, "at": after[0] if after else None, "id": after[1] if after else None,
         "limit": limit},
    )


def unread_count(recipient_id: str, cap: int) -> int:
    """Unread notifications, counted up to `cap` so a long-unread inbox costs a bounded scan."""
    row = db.fetch_one(
        "SELECT count(*) AS n FROM (SELECT 1 FROM notifications n WHERE n.recipient_id = %(me)s"  # noqa: S608
        f" AND n.read_at IS NULL AND {not_hidden('n.actor_id', '%(me)s')} LIMIT %(cap)s) t",
        {"me": recipient_id, "cap": cap},
    )
    return int(row["n"]) if row else 0


def mark_read(recipient_id: str, ids: list[str] | None) -> int:
    """Mark these (or, for None, all) of the recipient's unread notifications read."""
    if ids is None:
        return db.execute(
            "UPDATE notifications SET read_at = now() WHERE recipient_id = %s AND read_at IS NULL",
            (recipient_id,))
    return db.execute(
        "UPDATE notifications SET read_at = now() WHERE recipient_id = %s AND read_at IS NULL"
        " AND id = ANY(%s::uuid[])",
        (recipient_id, ids))


def disabled_kinds(user_id: str) -> set[str]:
    rows = db.fetch_all(
        "SELECT kind FROM notification_preferences WHERE user_id = %s AND NOT enabled", (user_id,))
    return {row["kind"] for row in rows}


def set_preferences(user_id: str, changes: dict[str, bool]) -> None:
    with db.transaction():
        for kind, enabled in sorted(changes.items()):
            # A caller whose account is gone (a token still valid for a minute) writes nothing.
            db.execute(
                "INSERT INTO notification_preferences (user_id, kind, enabled)"
                " SELECT id, %s, %s FROM users WHERE id = %s"
                " ON CONFLICT (user_id, kind) DO UPDATE SET enabled = EXCLUDED.enabled",
                (kind, enabled, user_id))


def save_push_token(user_id: str, device_id: str, platform: str, token: str,
                    web_push_keys: dict[str, str] | None = None) -> None:
    """Register the device's token (a Web Push subscription: its endpoint, with its keys); a
    token moves from whoever held it before."""
    with db.transaction():
        db.execute(
            "DELETE FROM push_tokens WHERE platform = %s AND token = %s"
            " AND (user_id, device_id) <> (%s::uuid, %s)",
            (platform, token, user_id, device_id))
        db.execute(
            "INSERT INTO push_tokens (user_id, device_id, platform, token, web_push_keys)"
            " SELECT id, %s, %s, %s, %s FROM users WHERE id = %s"
            " ON CONFLICT (user_id, device_id) DO UPDATE SET platform = EXCLUDED.platform,"
            " token = EXCLUDED.token, web_push_keys = EXCLUDED.web_push_keys, updated_at = now(),"
            " endpoint_arn = CASE WHEN push_tokens.token = EXCLUDED.token"
            " AND push_tokens.platform = EXCLUDED.platform THEN push_tokens.endpoint_arn END",
            (device_id, platform, token, Jsonb(web_push_keys) if web_push_keys else None, user_id))


def push_tokens(user_id: str) -> list[Row]:
    return db.fetch_all(
        "SELECT device_id, platform, token, endpoint_arn, web_push_keys FROM push_tokens"
        " WHERE user_id = %s"
        " ORDER BY updated_at DESC LIMIT 20", (user_id,))


def set_endpoint(user_id: str, device_id: str, endpoint_arn: str) -> None:
    db.execute("UPDATE push_tokens SET endpoint_arn = %s WHERE user_id = %s AND device_id = %s",
               (endpoint_arn, user_id, device_id))


def delete_push_token(user_id: str, device_id: str) -> None:
    db.execute("DELETE FROM push_tokens WHERE user_id = %s AND device_id = %s", (user_id, device_id))


def delete_session_push_tokens(session_ids: list[str]) -> int:
    """Delete the push tokens of the devices these sessions were on (their user's, only)."""
    return db.execute(
        "DELETE FROM push_tokens p USING sessions s WHERE s.id = ANY(%s::uuid[])"
        " AND p.user_id = s.user_id AND p.device_id = s.device_id", (session_ids,))
