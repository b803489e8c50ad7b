"""Feed SQL: the fan-out's batch writes and the home / explore pages.

Home pages are keyset pages on (created_at, post_id), the post's own creation time, so a page
never moves when newer posts arrive: new posts sort before the cursor, never after it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.sql import not_hidden, post_columns
from plaza.stores import db

Row = dict[str, Any]
Key = tuple[dt.datetime, str]

# A post as PostOut wants it, for `p` joined with its author `a`.
_POST_COLUMNS = post_columns(author="a", viewer="%(viewer)s")


def fanout_subject(post_id: str) -> Row | None:
    """The post's author, whether it is still live, the author's follower count and mentions."""
    return db.fetch_one(
        "SELECT p.author_id::text AS author_id, p.deleted_at IS NULL AND a.status = 'active' AS live,"
        " a.follower_count, ARRAY(SELECT m.user_id::text FROM mentions m WHERE m.post_id = p.id"
        " ORDER BY m.user_id LIMIT %(max_mentions)s) AS mentions"
        " FROM posts p JOIN users a ON a.id = p.author_id WHERE p.id = %(post)s",
        {"post": post_id, "max_mentions": 100},
    )


def follower_bounds(author_id: str, after: Key | None, batch_size: int,
                    max_batches: int) -> tuple[list[Key], int]:
    """Every `batch_size`-th follow key after `after`, up to `max_batches`; and how many were read.

    One range scan of follows_followee_idx (followee_id, created_at, follower_id).
    """
    params: dict[str, Any] = {"author": author_id, "size": batch_size,
                              "scan": batch_size * max_batches}
    keyset = ""
    if after is not None:
        keyset = " AND (f.created_at, f.follower_id) > (%(after_at)s, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    rows = db.fetch_all(
        "SELECT created_at, follower_id::text AS follower_id, n, scanned FROM"  # noqa: S608
        " (SELECT f.created_at, f.follower_id, count(*) OVER () AS scanned,"
        "  row_number() OVER (ORDER BY f.created_at, f.follower_id) AS n FROM"
        "  (SELECT f.created_at, f.follower_id FROM follows f"
        f"   WHERE f.followee_id = %(author)s{keyset}"
        "   ORDER BY f.created_at, f.follower_id LIMIT %(scan)s) f) s"
        " WHERE n %% %(size)s = 0 OR n = scanned ORDER BY n",
        params,
    )
    bounds = [(row["created_at"], row["follower_id"]) for row in rows if row["n"] % batch_size == 0]
    return bounds, int(rows[-1]["scanned"]) if rows else 0


def insert_batch(post_id: str, after: Key | None, upto: Key | None) -> list[str]:
    """Write the post into the feeds of its author's followers in (after, upto]: one statement.

    INSERT ... SELECT straight from follows: the batch's ids never leave the database. Blocked
    pairs are skipped in the same statement, and ON CONFLICT DO NOTHING makes a retried batch
    (a Lambda timeout, a Map retry) write nothing twice. The followers whose feeds got the post
    (RETURNING sees only rows written, so a retry returns no one): their cached pages are stale.
    """
    params: dict[str, Any] = {"post": post_id}
    keyset = ""
    if after is not None:
        keyset += " AND (f.created_at, f.follower_id) > (%(after_at)s, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    if upto is not None:
        keyset += " AND (f.created_at, f.follower_id) <= (%(upto_at)s, %(upto_id)s::uuid)"
        params.update(upto_at=upto[0], upto_id=upto[1])
    rows = db.fetch_all(
        "INSERT INTO home_feed_entries (user_id, created_at, post_id, author_id)"  # noqa: S608
        " SELECT f.follower_id, p.created_at, p.id, p.author_id"
        " FROM posts p JOIN follows f ON f.followee_id = p.author_id"
        f" WHERE p.id = %(post)s AND p.deleted_at IS NULL{keyset}"
        f" AND {not_hidden('p.author_id', viewer='f.follower_id')}"
        " ON CONFLICT DO NOTHING RETURNING user_id::text AS user_id",
        params,
    )
    return [row["user_id"] for row in rows]


def mark_fanout_completed(post_id: str) -> None:
    """Record that the post's fan-out ran to its end (a rerun records nothing new)."""
    db.execute("UPDATE posts SET fanout_completed_at = now()"
               " WHERE id = %s AND fanout_completed_at IS NULL", (post_id,))


def unfinished_fanouts(older_than: dt.timedelta, newer_than: dt.timedelta,
                       limit: int) -> list[Row]:
    """Live posts of active authors, made between `newer_than` and `older_than` ago, whose
    fan-out never completed: oldest first, with the restarts made so far.

    Off posts_fanout_pending_idx, which holds only unfinished fan-outs of live posts.
    """
    return db.fetch_all(
        "SELECT p.id::text AS post_id, p.author_id::text AS author_id,"
        " p.fanout_restarts AS restarts FROM posts p JOIN users a ON a.id = p.author_id"
        " WHERE p.fanout_completed_at IS NULL AND p.deleted_at IS NULL AND a.status = 'active'"
        " AND p.created_at < now() - %(older)s AND p.created_at > now() - %(newer)s"
        " ORDER BY p.created_at LIMIT %(limit)s",
        {"older": older_than, "newer": newer_than, "limit": limit},
    )


def claim_fanout_restart(post_id: str, restarts: int) -> int | None:
    """Count one more restart of an unfinished fan-out that has had `restarts`: the new count,
    or None when it completed or another reconciler claimed this restart first."""
    row = db.fetch_one(
        "UPDATE posts SET fanout_restarts = fanout_restarts + 1 WHERE id = %s"
        " AND fanout_restarts = %s AND fanout_completed_at IS NULL"
        " RETURNING fanout_restarts", (post_id, restarts))
    return None if row is None else int(row["fanout_restarts"])


def home_page(viewer_id: str, threshold: int, limit: int, after: Key | None) -> list[Row]:
    """Up to `limit` posts of the viewer's home feed, newest first, strictly after `after`.

    Three sources, each already in (created_at, id) order and cut at `limit`, then merged:
    the fanned-out entries; the viewer's own posts; and the newest posts of followed authors
    above the fan-out threshold (hybrid fan-out: their posts were never written to feeds).
    UNION drops a post found twice (an author who crossed the threshold after fan-out).
    Every filter sits before its branch's LIMIT, so a page is short only at the end.
    """
    params: dict[str, Any] = {"viewer": viewer_id, "threshold": threshold, "limit": limit}
    entry_keyset = post_keyset = ""
    if after is not None:
        entry_keyset = " AND (e.created_at, e.post_id) < (%(after_at)s, %(after_id)s::uuid)"
        post_keyset = " AND (p.created_at, p.id) < (%(after_at)s, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    return db.fetch_all(
        "WITH page AS ("  # noqa: S608
        " (SELECT e.post_id AS id, e.created_at FROM home_feed_entries e"
        f"  WHERE e.user_id = %(viewer)s{entry_keyset}"
        # Checked per entry in scalar subqueries, which the planner cannot turn into joins: as
        # joins it estimated them selective enough to read and sort the whole feed (30 ms at
        # 10,000 entries) instead of walking the primary key backwards and stopping at `limit`.
        "  AND (SELECT p.deleted_at IS NULL FROM posts p WHERE p.id = e.post_id)"
        # The triggers remove unfollowed and blocked authors' entries; the follow and block
        # checks close the window of a fan-out batch racing the unfollow or the block.
        "  AND (SELECT a.status = 'active' AND EXISTS (SELECT 1 FROM follows f"
        "   WHERE f.follower_id = %(viewer)s AND f.followee_id = a.id)"
        f"   AND {not_hidden('a.id')} FROM users a WHERE a.id = e.author_id)"
        "  ORDER BY e.created_at DESC, e.post_id DESC LIMIT %(limit)s)"
        " UNION"
        " (SELECT p.id, p.created_at FROM posts p"
        f"  WHERE p.author_id = %(viewer)s AND p.deleted_at IS NULL{post_keyset}"
        "  ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s)"
        " UNION"
        " (SELECT p.id, p.created_at FROM follows f"
        "  JOIN users a ON a.id = f.followee_id AND a.follower_count > %(threshold)s"
        "   AND a.status = 'active'"
        "  CROSS JOIN LATERAL (SELECT p.id, p.created_at FROM posts p"
        f"   WHERE p.author_id = f.followee_id AND p.deleted_at IS NULL{post_keyset}"
        "   ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s) p"
        f"  WHERE f.follower_id = %(viewer)s AND {not_hidden('f.followee_id')})"
        ")"
        f" SELECT {_POST_COLUMNS} FROM page JOIN posts p ON p.id = page.id"
        " JOIN users a ON a.id = p.author_id"
        " ORDER BY page.created_at DESC, page.id DESC LIMIT %(limit)s",
        params,
    )


def home_posts(viewer_id: str, post_ids: list[str]) -> dict[str, Row]:
    """Of a cached home page's `post_ids`, those the viewer may still see there, by id.

    The home page's own conditions, re-checked by primary key: live post, active author, the
    viewer's own or by someone the viewer follows, no block either way.
    """
    if not post_ids:
        return {}
    rows = db.fetch_all(
        f"SELECT {_POST_COLUMNS} FROM posts p JOIN users a ON a.id = p.author_id"  # noqa: S608
        " WHERE p.id = ANY(%(ids)s::uuid[]) AND p.deleted_at IS NULL AND a.status = 'active'"
        " AND (p.author_id = %(viewer)s OR (EXISTS (SELECT 1 FROM follows f"
        "  WHERE f.follower_id = %(viewer)s AND f.followee_id = p.author_id)"
        f"  AND {not_hidden('p.author_id')}))",
        {"viewer": viewer_id, "ids": post_ids},
    )
    return {row["id"]: row for row in rows}


def explore_page(viewer_id: str, since: dt.datetime, candidates: int, limit: int) -> list[Row]:
    """The most engaged-with public posts since `since` by active people the viewer does not
    follow (nor is hidden from), out of the newest `candidates` such posts.

    Bounded on purpose: ranking all of history on every request would cost O(posts); the newest
    `candidates` public posts come off posts_public_recent_idx.
    """
    return db.fetch_all(
        f"SELECT {_POST_COLUMNS} FROM"  # noqa: S608
        " (SELECT p.id FROM posts p JOIN users a ON a.id = p.author_id AND a.status = 'active'"
        "  WHERE p.deleted_at IS NULL AND p.visibility = 'public' AND p.created_at >= %(since)s"
        "  AND p.author_id <> %(viewer)s"
        "  AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %(viewer)s"
        "   AND f.followee_id = p.author_id)"
        f"  AND {not_hidden('p.author_id')}"
        "  ORDER BY p.created_at DESC, p.id DESC LIMIT %(candidates)s) c"
        " JOIN posts p ON p.id = c.id JOIN users a ON a.id = p.author_id"
        " ORDER BY p.like_count + 2 * p.comment_count DESC, p.created_at DESC, p.id DESC"
        " LIMIT %(limit)s",
        {"viewer": viewer_id, "since": since, "candidates": candidates, "limit": limit},
    )
