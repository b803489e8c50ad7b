"""Trending SQL: hydrating ranked post ids, recommendation candidates, fallbacks, count repair."""

from __future__ import annotations

from typing import Any

from plaza.sql import not_hidden, post_columns
from plaza.stores import db

Row = dict[str, Any]

# Live public posts of active authors, as PostOut wants them minus liked_by_me: the part of a
# ranked page that is the same for every viewer (and so may be cached for all of them).
_PUBLIC_POSTS = (
    f"SELECT {post_columns()} FROM posts p JOIN users u ON u.id = p.author_id"  # noqa: S608
    " WHERE p.deleted_at IS NULL AND u.status = 'active' AND p.visibility = 'public'"
)


def public_posts(post_ids: list[str]) -> dict[str, Row]:
    """The live public posts among `post_ids`, by id (the rest are gone or not public)."""
    if not post_ids:
        return {}
    rows = db.fetch_all(f"{_PUBLIC_POSTS} AND p.id = ANY(%(ids)s::uuid[])", {"ids": post_ids})
    return {row["id"]: row for row in rows}


def shown_to(viewer_id: str, post_ids: list[str]) -> dict[str, bool]:
    """Of `post_ids`, those still live and not hidden from the viewer -> liked by the viewer.

    The per-viewer check of a cached page: primary-key probes, so a post deleted or an author
    blocked after the page was cached is left out at once.
    """
    if not post_ids:
        return {}
    rows = db.fetch_all(
        "SELECT p.id::text AS id, EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id"  # noqa: S608
        " AND l.user_id = %(viewer)s) AS liked FROM posts p"
        " WHERE p.id = ANY(%(ids)s::uuid[]) AND p.deleted_at IS NULL"
        f" AND {not_hidden('p.author_id')}",
        {"viewer": viewer_id, "ids": post_ids},
    )
    return {row["id"]: bool(row["liked"]) for row in rows}


def most_engaged_recent(limit: int, hours: int = 24) -> list[str]:
    """Ids of recent public posts by exact counts: the ranking when Redis is unreachable."""
    rows = db.fetch_all(
        f"SELECT p.id::text AS id FROM ({_PUBLIC_POSTS}"  # noqa: S608
        " AND p.created_at > now() - make_interval(hours => %(hours)s)) p"
        " ORDER BY p.like_count + 3 * p.comment_count DESC, p.created_at DESC LIMIT %(limit)s",
        {"hours": hours, "limit": limit},
    )
    return [row["id"] for row in rows]


def hashtag_counts(limit: int, hours: int = 24) -> list[Row]:
    """Tags by live posts using them in the last `hours`: the ranking when Redis is unreachable."""
    return db.fetch_all(
        "SELECT h.tag, count(*) AS uses FROM post_hashtags h"
        " JOIN posts p ON p.id = h.post_id AND p.deleted_at IS NULL"
        " WHERE h.created_at > now() - make_interval(hours => %(hours)s)"
        " GROUP BY h.tag ORDER BY uses DESC, h.tag LIMIT %(limit)s",
        {"hours": hours, "limit": limit},
    )


def recommended_ids(viewer_id: str, limit: int, days: int = 7,
                    likes_per_followee: int = 50) -> list[str]:
    """Posts the viewer's followees liked lately, most followees first, then newest like.

    Left out: the viewer's own posts and likes, and posts by people the viewer follows — those
    reach the home feed, so they count as seen (there is no per-post seen set). Each followee
    contributes at most `likes_per_followee` recent likes (a LATERAL range scan of
    likes_user_idx), so the work is bounded by the size of the viewer's following list.
    """
    return [row["id"] for row in db.fetch_all(
        "WITH liked AS (SELECT l.post_id, l.created_at FROM follows f"  # noqa: S608
        " CROSS JOIN LATERAL (SELECT post_id, created_at FROM likes"
        "  WHERE user_id = f.followee_id AND created_at > now() - make_interval(days => %(days)s)"
        "  ORDER BY created_at DESC LIMIT %(per)s) l"
        " WHERE f.follower_id = %(viewer)s),"
        " ranked AS (SELECT post_id, count(*) AS likers, max(created_at) AS last_liked"
        "  FROM liked GROUP BY post_id)"
        " SELECT p.id::text AS id FROM ranked r JOIN posts p ON p.id = r.post_id"
        " JOIN users u ON u.id = p.author_id"
        " WHERE p.deleted_at IS NULL AND u.status = 'active' AND p.visibility = 'public'"
        " AND p.author_id <> %(viewer)s"
        " AND NOT EXISTS (SELECT 1 FROM follows ff WHERE ff.follower_id = %(viewer)s"
        "  AND ff.followee_id = p.author_id)"
        " AND NOT EXISTS (SELECT 1 FROM likes ml WHERE ml.post_id = p.id"
        "  AND ml.user_id = %(viewer)s)"
        f" AND {not_hidden('p.author_id')}"
        " ORDER BY r.likers DESC, r.last_liked DESC, p.id DESC LIMIT %(limit)s",
        {"viewer": viewer_id, "days": days, "per": likes_per_followee, "limit": limit},
    )]


def exact_counts(post_ids: list[str]) -> list[Row]:
    """Recount likes and comments of `post_ids` and store them on the posts; the true counts.

    Idempotent: it writes what the likes and comments tables say, whatever it wrote before. The
    rows are locked first (in id order, like every other multi-row lock) so the recount's
    snapshot starts after any like whose trigger already adjusted the row; a like still in
    flight adjusts it after us. Only drifted rows are written.
    """
    if not post_ids:
        return []
    with db.transaction():
        db.fetch_all("SELECT id FROM posts WHERE id = ANY(%s::uuid[]) ORDER BY id"
                     " FOR NO KEY UPDATE", (post_ids,))
        db.execute(
            "UPDATE posts p SET like_count = c.likes, comment_count = c.comments FROM ("
            " SELECT q.id, (SELECT count(*) FROM likes l WHERE l.post_id = q.id) AS likes,"
            " (SELECT count(*) FROM comments m WHERE m.post_id = q.id AND m.deleted_at IS NULL)"
            " AS comments FROM posts q WHERE q.id = ANY(%s::uuid[])) c"
            " WHERE p.id = c.id AND (p.like_count, p.comment_count) IS DISTINCT FROM"
            " (c.likes::int, c.comments::int)",
            (post_ids,),
        )
        return db.fetch_all(
            "SELECT id::text AS id, like_count, comment_count FROM posts"
            " WHERE id = ANY(%s::uuid[])", (post_ids,))
