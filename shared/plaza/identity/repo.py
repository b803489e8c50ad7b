"""Identity SQL: users, credentials, sessions, refresh tokens and email tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from plaza.errors import Conflict
from plaza.stores import db

Row = dict[str, Any]

# Every query names the users table `u`, so these columns also work in joins.
USER_COLUMNS = ("u.id::text AS id, u.username::text AS username, u.email::text AS email,"
                " u.display_name, u.bio, u.avatar_media_id, u.role, u.status,"
                " u.email_verified_at, u.created_at")
_UNIQUE_FIELDS = {"users_username_key": "username", "users_email_key": "email"}


def insert_user(username: str, email: str, display_name: str, password_hash: str) -> Row:
    """The new user (with credentials); Conflict naming the field when one is taken."""
    try:
        with db.transaction():
            row = db.fetch_one(
                f"INSERT INTO users AS u (username, email, display_name) VALUES (%s, %s, %s)"  # noqa: S608
                f" RETURNING {USER_COLUMNS}",
                (username, email, display_name),
            )
            assert row is not None
            db.execute("INSERT INTO credentials (user_id, password_hash) VALUES (%s, %s)",
                       (row["id"], password_hash))
    except psycopg.errors.UniqueViolation as exc:
        constraint = getattr(exc.diag, "constraint_name", None) or ""
        field = _UNIQUE_FIELDS.get(constraint, "username")
        raise Conflict(f"That {field} is already taken", field=field) from exc
    return row


def user_by_id(user_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = %s",  # noqa: S608
                        (user_id,))


def user_by_email(email: str) -> Row | None:
    return db.fetch_one(f"SELECT {USER_COLUMNS} FROM users u WHERE u.email = %s",  # noqa: S608
                        (email,))


def user_with_hash(identifier: str, by: str) -> Row | None:
    """A user by email or username (citext: case ignored) with its password hash."""
    column = "u.email" if by == "email" else "u.username"
    return db.fetch_one(
        f"SELECT {USER_COLUMNS}, c.password_hash"  # noqa: S608
        f" FROM users u LEFT JOIN credentials c ON c.user_id = u.id WHERE {column} = %s",
        (identifier,),
    )


def set_password(user_id: str, password_hash: str) -> None:
    db.execute("UPDATE credentials SET password_hash = %s, updated_at = now() WHERE user_id = %s",
               (password_hash, user_id))


_PROFILE_FIELDS = ("display_name", "bio", "avatar_media_id")


def update_profile(user_id: str, changes: dict[str, Any]) -> Row | None:
    fields = [name for name in _PROFILE_FIELDS if name in changes]
    if not fields:
        return user_by_id(user_id)
    assignments = ", ".join(f"{name} = %({name})s" for name in fields)
    return db.fetch_one(
        f"UPDATE users AS u SET {assignments}, updated_at = now() WHERE u.id = %(id)s"  # noqa: S608
        f" RETURNING {USER_COLUMNS}",
        {**{name: changes[name] for name in fields}, "id": user_id},
    )


def set_status(user_id: str, status: str) -> bool:
    return db.execute("UPDATE users SET status = %s, updated_at = now() WHERE id = %s",
                      (status, user_id)) == 1


def mark_email_verified(user_id: str) -> None:
    db.execute("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()),"
               " updated_at = now() WHERE id = %s", (user_id,))


def flag_email_bounced(addresses: list[str]) -> int:
    """Mark the accounts at `addresses` as hard-bounced (the first bounce is kept)."""
    return db.execute("UPDATE users SET email_bounced_at = coalesce(email_bounced_at, now()),"
                      " updated_at = now() WHERE email = ANY(%s::citext[])", (addresses,))


# ---------------------------------------------------------------- sessions and refresh tokens

def sessions_seen(user_id: str, device_id: str) -> tuple[bool, bool]:
    """(any session ever, any session ever on `device_id`): revoked and expired ones count."""
    row = db.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE user_id = %s) AS any_device,"
        " EXISTS (SELECT 1 FROM sessions WHERE user_id = %s AND device_id = %s) AS this_device",
        (user_id, user_id, device_id))
    assert row is not None
    return bool(row["any_device"]), bool(row["this_device"])


def revoke_device(user_id: str, device_id: str, reason: str) -> list[str]:
    rows = db.fetch_all(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = %s"
        " WHERE user_id = %s AND device_id = %s AND revoked_at IS NULL RETURNING id::text AS id",
        (reason, user_id, device_id),
    )
    return [row["id"] for row in rows]


def revoke_session(session_id: str, reason: str) -> bool:
    return db.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = %s"
        " WHERE id = %s AND revoked_at IS NULL", (reason, session_id)) == 1


def revoke_user_sessions(user_id: str, reason: str) -> list[str]:
    rows = db.fetch_all(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = %s"
        " WHERE user_id = %s AND revoked_at IS NULL RETURNING id::text AS id",
        (reason, user_id),
    )
    return [row["id"] for row in rows]


def insert_session(user_id: str, device_id: str, user_agent: str, ip: str,
                   expires_at: dt.datetime) -> str:
    try:
        row = db.fetch_one(
            "INSERT INTO sessions (user_id, device_id, user_agent, ip, expires_at)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id::text AS id",
            (user_id, device_id, user_agent, ip, expires_at),
        )
    except psycopg.errors.UniqueViolation as exc:
        # Two logins on one device at once: the other one's session won (one live per device).
        raise Conflict("Another login on this device is in progress; try again") from exc
    assert row is not None
    return str(row["id"])


def insert_refresh_token(token_hash: bytes, session_id: str, expires_at: dt.datetime) -> None:
    db.execute("INSERT INTO refresh_tokens (token_hash, session_id, expires_at)"
               " VALUES (%s, %s, %s)", (token_hash, session_id, expires_at))


def refresh_token_for_update(token_hash: bytes) -> Row | None:
    """The token with its session and user, locked until the transaction ends."""
    return db.fetch_one(
        "SELECT t.used_at, t.expires_at, s.id::text AS session_id, s.device_id, s.revoked_at,"
        " s.expires_at AS session_expires_at, u.id::text AS user_id, u.role, u.status"
        " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
        " JOIN users u ON u.id = s.user_id"
        " WHERE t.token_hash = %s FOR UPDATE OF t, s",
        (token_hash,),
    )


def mark_refresh_token_used(token_hash: bytes) -> None:
    db.execute("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = %s", (token_hash,))


def touch_session(session_id: str) -> None:
    db.execute("UPDATE sessions SET last_used_at = now() WHERE id = %s", (session_id,))


def live_sessions(user_id: str) -> list[Row]:
    return db.fetch_all(
        "SELECT id::text AS session_id, device_id, user_agent, ip, created_at, last_used_at"
        " FROM sessions WHERE user_id = %s AND revoked_at IS NULL AND expires_at > now()"
        " ORDER BY last_used_at DESC",
        (user_id,),
    )


def session_state(session_id: str) -> Row | None:
    """What the authorizer needs to know about a session: revoked? the user's status and role."""
    return db.fetch_one(
        "SELECT s.revoked_at IS NOT NULL OR s.expires_at <= now() AS revoked,"
        " u.id::text AS user_id, u.status, u.role"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = %s",
        (session_id,),
    )


# ---------------------------------------------------------------- email tokens

def insert_email_token(token_hash: bytes, user_id: str, purpose: str,
                       expires_at: dt.datetime) -> None:
    db.execute("INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at)"
               " VALUES (%s, %s, %s, %s)", (token_hash, user_id, purpose, expires_at))


def consume_email_token(token_hash: bytes, purpose: str) -> str | None:
    """The user a live, unused token belongs to, marking it used; None otherwise."""
    row = db.fetch_one(
        "UPDATE email_tokens SET used_at = now() WHERE token_hash = %s AND purpose = %s"
        " AND used_at IS NULL AND expires_at > now() RETURNING user_id::text AS user_id",
        (token_hash, purpose),
    )
    return None if row is None else str(row["user_id"])


def expire_email_tokens(user_id: str, purpose: str) -> None:
    db.execute("UPDATE email_tokens SET used_at = now() WHERE user_id = %s AND purpose = %s"
               " AND used_at IS NULL", (user_id, purpose))
