"""Social graph SQL: profiles, follows, blocks and the keyset pages of followers / following."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from plaza.sql import not_hidden
from plaza.stores import db

Row = dict[str, Any]
Direction = Literal["followers", "following"]


def profile(viewer_id: str, *, username: str | None = None, user_id: str | None = None) -> Row | None:
    """An active user, by username or id, with what the viewer needs to know about them."""
    where = "u.username = %(key)s" if username is not None else "u.id = %(key)s"
    return db.fetch_one(
        "SELECT u.id::text AS id, u.username::text AS username, u.display_name, u.bio,"  # noqa: S608
        " u.avatar_media_id, u.follower_count, u.following_count, u.created_at,"
        " EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s AND f.followee_id = u.id)"
        " AS followed_by_me,"
        " EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = u.id AND f.followee_id = %(viewer)s)"
        " AS follows_me,"
        f" NOT {not_hidden('u.id')} AS blocked"
        f" FROM users u WHERE {where} AND u.status = 'active'",
        {"viewer": viewer_id, "key": username if username is not None else user_id},
    )


def user_ref(viewer_id: str, username: str, active_only: bool = True) -> Row | None:
    """A user's id and whether they and the viewer have blocked each other."""
    status = " AND u.status = 'active'" if active_only else " AND u.status <> 'deleted'"
    return db.fetch_one(
        f"SELECT u.id::text AS id, NOT {not_hidden('u.id')} AS blocked"  # noqa: S608
        f" FROM users u WHERE u.username = %(username)s{status}",
        {"viewer": viewer_id, "username": username},
    )


def lock_users(*user_ids: str) -> dict[str, str]:
    """Lock these users' rows for this transaction, in id order; id -> status of those found.

    Every graph change takes these locks first: the follows trigger then updates the same rows,
    and one global order means two opposite changes (A follows B, B follows A) cannot deadlock.
    """
    rows = db.fetch_all(
        "SELECT id::text AS id, status FROM users WHERE id = ANY(%s::uuid[]) ORDER BY id"
        " FOR NO KEY UPDATE",
        (list(user_ids),),
    )
    return {row["id"]: row["status"] for row in rows}


def blocked_between(a: str, b: str) -> bool:
    row = db.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = %(a)s AND blocked_id = %(b)s)"
        " OR (blocker_id = %(b)s AND blocked_id = %(a)s)) AS blocked",
        {"a": a, "b": b},
    )
    return bool(row and row["blocked"])


def blocked_among(viewer_id: str, user_ids: list[str]) -> set[str]:
    """Those of `user_ids` who blocked the viewer or whom the viewer blocked."""
    rows = db.fetch_all(
        "SELECT blocked_id::text AS id FROM blocks WHERE blocker_id = %(viewer)s"
        " AND blocked_id = ANY(%(ids)s::uuid[])"
        " UNION SELECT blocker_id::text FROM blocks WHERE blocked_id = %(viewer)s"
        " AND blocker_id = ANY(%(ids)s::uuid[])",
        {"viewer": viewer_id, "ids": user_ids},
    )
    return {row["id"] for row in rows}


def hidden_user_ids(viewer_id: str) -> set[str]:
    rows = db.fetch_all(
        "SELECT blocked_id::text AS id FROM blocks WHERE blocker_id = %(viewer)s"
        " UNION SELECT blocker_id::text FROM blocks WHERE blocked_id = %(viewer)s",
        {"viewer": viewer_id},
    )
    return {row["id"] for row in rows}


def followed_among(follower_id: str, user_ids: list[str]) -> set[str]:
    """Those of `user_ids` the follower follows."""
    rows = db.fetch_all(
        "SELECT followee_id::text AS id FROM follows WHERE follower_id = %s"
        " AND followee_id = ANY(%s::uuid[])", (follower_id, user_ids))
    return {row["id"] for row in rows}


def insert_follow(follower_id: str, followee_id: str) -> bool:
    """True when the follow is new; the trigger on follows counts it."""
    return db.execute(
        "INSERT INTO follows (follower_id, followee_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (follower_id, followee_id),
    ) == 1


def delete_follow(follower_id: str, followee_id: str) -> bool:
    return db.execute("DELETE FROM follows WHERE follower_id = %s AND followee_id = %s",
                      (follower_id, followee_id)) == 1


def delete_follows_between(a: str, b: str) -> int:
    return db.execute(
        "DELETE FROM follows WHERE (follower_id = %(a)s AND followee_id = %(b)s)"
        " OR (follower_id = %(b)s AND followee_id = %(a)s)",
        {"a": a, "b": b},
    )


def insert_block(blocker_id: str, blocked_id: str) -> bool:
    return db.execute(
        "INSERT INTO blocks (blocker_id, blocked_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (blocker_id, blocked_id),
    ) == 1


def delete_block(blocker_id: str, blocked_id: str) -> bool:
    return db.execute("DELETE FROM blocks WHERE blocker_id = %s AND blocked_id = %s",
                      (blocker_id, blocked_id)) == 1


# A followers page lists follows *to* the user; a following page, follows *from* them.
_EDGE: dict[Direction, tuple[str, str]] = {
    "followers": ("followee_id", "follower_id"),
    "following": ("follower_id", "followee_id"),
}


def follow_page(direction: Direction, user_id: str, viewer_id: str, limit: int,
                after: tuple[dt.datetime, str] | None) -> list[Row]:
    """Up to `limit` users of the list, newest follow first, strictly after the `after` key.

    Keyset on (created_at, other user's id), the order of follows_followee_idx /
    follows_follower_idx, so a page is an index range scan however deep the client pages.
    Hidden and inactive users are filtered before the limit: a page is short only at the end.
    """
    anchor, other = _EDGE[direction]
    params: dict[str, Any] = {"user": user_id, "viewer": viewer_id, "limit": limit}
    keyset = ""
    if after is not None:
        keyset = f" AND (f.created_at, f.{other}) < (%(after_at)s, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    return db.fetch_all(
        "SELECT u.id::text AS id, u.username::text AS username, u.display_name,"  # noqa: S608
        " u.avatar_media_id, f.created_at AS followed_at,"
        " EXISTS (SELECT 1 FROM follows m WHERE m.follower_id = %(viewer)s AND m.followee_id = u.id)"
        " AS followed_by_me"
        f" FROM follows f JOIN users u ON u.id = f.{other}"
        f" WHERE f.{anchor} = %(user)s{keyset} AND u.status = 'active' AND {not_hidden('u.id')}"
        f" ORDER BY f.created_at DESC, f.{other} DESC LIMIT %(limit)s",
        params,
    )


def block_page(blocker_id: str, limit: int, after: tuple[dt.datetime, str] | None) -> list[Row]:
    """Up to `limit` users the blocker blocked, newest block first, strictly after `after`.

    The primary key's (blocker_id, ...) prefix finds them; a user's block list is short enough
    to sort without an index of its own.
    """
    params: dict[str, Any] = {"blocker": blocker_id, "limit": limit}
    keyset = ""
    if after is not None:
        keyset = " AND (b.created_at, b.blocked_id) < (%(after_at)s, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    return db.fetch_all(
        "SELECT u.id::text AS id, u.username::text AS username, u.display_name,"  # noqa: S608
        " u.avatar_media_id, b.created_at AS blocked_at"
        " FROM blocks b JOIN users u ON u.id = b.blocked_id"
        f" WHERE b.blocker_id = %(blocker)s{keyset} AND u.status <> 'deleted'"
        " ORDER BY b.created_at DESC, b.blocked_id DESC LIMIT %(limit)s",
        params,
    )
