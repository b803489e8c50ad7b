"""Account deletion SQL: the request's row, and each step's deletes, all safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.stores import db

Row = dict[str, Any]

_DELETION = "status, requested_at, due_at, username_free_at"


def schedule(user_id: str, requested_at: dt.datetime, due_at: dt.datetime,
             username_free_at: dt.datetime) -> Row | None:
    """Schedule the deletion and hide the account in one transaction; None when one is already
    scheduled or under way (a second request changes nothing)."""
    with db.transaction():
        row = db.fetch_one(
            "INSERT INTO account_deletions (user_id, status, requested_at, due_at,"  # noqa: S608
            " username_free_at) VALUES (%(u)s, 'scheduled', %(at)s, %(due)s, %(free)s)"
            " ON CONFLICT (user_id) DO UPDATE SET status = 'scheduled',"
            " requested_at = EXCLUDED.requested_at, due_at = EXCLUDED.due_at,"
            " username_free_at = EXCLUDED.username_free_at"
            " WHERE account_deletions.status = 'cancelled'"
            f" RETURNING {_DELETION}",
            {"u": user_id, "at": requested_at, "due": due_at, "free": username_free_at})
        if row is not None:
            db.execute("UPDATE users SET status = 'deleting', updated_at = now()"
                       " WHERE id = %s AND status = 'active'", (user_id,))
    return row


def deletion(user_id: str) -> Row | None:
    return db.fetch_one(f"SELECT {_DELETION} FROM account_deletions WHERE user_id = %s",  # noqa: S608
                        (user_id,))


def cancel(user_id: str, now: dt.datetime) -> Row | None:
    """Cancel a scheduled deletion that is not yet due and show the account again."""
    with db.transaction():
        row = db.fetch_one(
            "UPDATE account_deletions SET status = 'cancelled' WHERE user_id = %s"  # noqa: S608
            f" AND status = 'scheduled' AND due_at > %s RETURNING {_DELETION}", (user_id, now))
        if row is not None:
            db.execute("UPDATE users SET status = 'active', updated_at = now()"
                       " WHERE id = %s AND status = 'deleting'", (user_id,))
    return row


def claim_due(now: dt.datetime, limit: int) -> list[str]:
    """Mark up to `limit` due deletions running; their user ids (each claimed once)."""
    rows = db.fetch_all(
        "UPDATE account_deletions SET status = 'running', started_at = clock_timestamp()"
        " WHERE user_id IN (SELECT user_id FROM account_deletions WHERE status = 'scheduled'"
        " AND due_at <= %s ORDER BY due_at LIMIT %s FOR UPDATE SKIP LOCKED)"
        " RETURNING user_id::text AS user_id", (now, limit))
    return [row["user_id"] for row in rows]


def running(limit: int) -> list[str]:
    """Deletions claimed but not finished: started again (by name, so at most once at a time)."""
    rows = db.fetch_all("SELECT user_id::text AS user_id FROM account_deletions"
                        " WHERE status = 'running' ORDER BY started_at LIMIT %s", (limit,))
    return [row["user_id"] for row in rows]


def free_usernames(now: dt.datetime) -> int:
    """Rename the tombstones whose username is due to be freed; how many."""
    with db.transaction():
        rows = db.fetch_all(
            "UPDATE account_deletions SET username_freed_at = clock_timestamp()"
            " WHERE status = 'done' AND username_freed_at IS NULL AND username_free_at <= %s"
            " RETURNING user_id", (now,))
        ids = [row["user_id"] for row in rows]
        if ids:
            # 30 characters, like the longest username; 88 random bits of the id.
            db.execute("UPDATE users SET username = 'deleted-' || left(replace(id::text, '-', ''),"
                       " 22) WHERE id = ANY(%s)", (ids,))
    return len(ids)


# ---------------------------------------------------------------- steps (each idempotent)

def revoke_sessions(user_id: str) -> list[str]:
    rows = db.fetch_all(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = 'account_deleted'"
        " WHERE user_id = %s AND revoked_at IS NULL RETURNING id::text AS id", (user_id,))
    return [row["id"] for row in rows]


def delete_push_tokens(user_id: str) -> int:
    return db.execute("DELETE FROM push_tokens WHERE user_id = %s", (user_id,))


def delete_social(user_id: str) -> int:
    """Follows both ways and likes (the counts' triggers keep the others' numbers exact)."""
    with db.transaction():
        follows = db.execute("DELETE FROM follows WHERE follower_id = %(u)s OR followee_id = %(u)s",
                             {"u": user_id})
        likes = db.execute("DELETE FROM likes WHERE user_id = %s", (user_id,))
    return follows + likes


def search_documents(user_id: str, limit: int) -> list[Row]:
    """Up to `limit` of the documents Meilisearch was ever given for the user and their posts
    (the index consumer records each in search_sync_versions): {index_name, doc_id}."""
    return db.fetch_all(
        "SELECT index_name, doc_id FROM search_sync_versions WHERE (index_name = 'users'"
        " AND doc_id = %(u)s) OR (index_name = 'posts' AND doc_id IN"
        " (SELECT id::text FROM posts WHERE author_id = %(u)s::uuid)) ORDER BY index_name, doc_id"
        " LIMIT %(limit)s", {"u": user_id, "limit": limit})


def forget_search_documents(index: str, doc_ids: list[str]) -> int:
    """Drop the version rows of documents removed from Meilisearch; how many were there."""
    return db.execute("DELETE FROM search_sync_versions WHERE index_name = %s"
                      " AND doc_id = ANY(%s)", (index, doc_ids))


def delete_content(user_id: str) -> int:
    """The user's comments on anyone's posts, then their posts (with what hangs on them)."""
    with db.transaction():
        comments = db.execute("DELETE FROM comments WHERE author_id = %s", (user_id,))
        posts = db.execute("DELETE FROM posts WHERE author_id = %s", (user_id,))
    return comments + posts


def anonymize_messages(user_id: str) -> int:
    """Messages in shared conversations stay, by no one ("deleted user"); the user leaves them."""
    with db.transaction():
        messages = db.execute("UPDATE messages SET sender_id = NULL WHERE sender_id = %s",
                              (user_id,))
        memberships = db.execute("DELETE FROM conversation_members WHERE user_id = %s",
                                 (user_id,))
    return messages + memberships


def finish(user_id: str) -> bool:
    """The tombstone: no email, name or password left; the deletion done. False when it was."""
    with db.transaction():
        done = db.execute(
            "UPDATE account_deletions SET status = 'done', completed_at = clock_timestamp()"
            " WHERE user_id = %s AND status = 'running'", (user_id,))
        if done:
            db.execute(
                "UPDATE users SET status = 'deleted', email = replace(id::text, '-', '')"
                " || '@deleted.invalid', display_name = 'deleted user', bio = '',"
                " avatar_media_id = NULL, updated_at = now() WHERE id = %s", (user_id,))
            db.execute("DELETE FROM credentials WHERE user_id = %s", (user_id,))
    return bool(done)
