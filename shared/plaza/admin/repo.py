"""Admin SQL: users as moderators see them (with live sessions) and role changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.identity.repo import USER_COLUMNS
from plaza.stores import db

Row = dict[str, Any]

_ADMIN_COLUMNS = (
    f"{USER_COLUMNS}, (SELECT count(*) FROM sessions s WHERE s.user_id = u.id"  # noqa: S608
    " AND s.revoked_at IS NULL AND s.expires_at > now())::int AS live_sessions, u.banned_at"
)


def _like(text: str) -> str:
    """`text` as a substring pattern, its own % _ and \\ matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def user_page(query: str | None, status: str | None, limit: int,
              after: tuple[dt.datetime, str] | None) -> list[Row]:
    """Up to `limit` users, newest account first, strictly after the `after` key.

    Keyset on (created_at, id); moderators page through a few hundred rows at a time, so a
    sort over the filtered users is cheap enough without an index of its own.
    """
    conditions: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if query:
        conditions.append("(u.username ILIKE %(like)s OR u.email ILIKE %(like)s"
                          " OR u.display_name ILIKE %(like)s)")
        params["like"] = _like(query)
    if status:
        conditions.append("u.status = %(status)s")
        params["status"] = status
    if after is not None:
        conditions.append("(u.created_at, u.id) < (%(after_at)s, %(after_id)s::uuid)")
        params.update(after_at=after[0], after_id=after[1])
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return db.fetch_all(
        f"SELECT {_ADMIN_COLUMNS} FROM users u{where}"  # noqa: S608 - fixed fragments only
        " ORDER BY u.created_at DESC, u.id DESC LIMIT %(limit)s",
        params,
    )


def user_detail(user_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {_ADMIN_COLUMNS} FROM users u WHERE u.id = %s",  # noqa: S608
                        (user_id,))


def set_role(user_id: str, role: str) -> bool:
    return db.execute("UPDATE users SET role = %s, updated_at = now() WHERE id = %s",
                      (role, user_id)) == 1


def set_banned(user_id: str, banned: bool) -> None:
    """Mark a ban (a suspension only an admin lifts), or lift it."""
    db.execute("UPDATE users SET banned_at = CASE WHEN %s THEN COALESCE(banned_at, now()) END,"
               " updated_at = now() WHERE id = %s", (banned, user_id))


def lock_user_by_username(username: str) -> Row | None:
    """The live account's id and role, its row locked for this transaction."""
    return db.fetch_one("SELECT id::text AS id, role FROM users WHERE username = %s"
                        " AND status <> 'deleted' FOR UPDATE", (username,))


def lock_first_admin() -> None:
    """Serialise first-admin promotions for this transaction (two at once would both see none)."""
    db.execute("SELECT pg_advisory_xact_lock(hashtext('plaza.admin.first_admin'))")


def other_admin(user_id: str) -> str | None:
    """The username of a live admin other than `user_id`, if there is one."""
    row = db.fetch_one("SELECT username FROM users WHERE role = 'admin' AND status <> 'deleted'"
                       " AND id <> %s LIMIT 1", (user_id,))
    return None if row is None else str(row["username"])
