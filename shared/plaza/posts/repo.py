"""Posts SQL: posts, their hashtags and mentions, likes, comments, keyset pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plaza.sql import author_object, not_hidden, post_columns
from plaza.stores import db

Row = dict[str, Any]
Key = tuple[dt.datetime, str]


def visible_to(post: str = "p", viewer: str = "%(viewer)s") -> str:
    """A WHERE condition: the viewer may see post `post` by visibility (blocks are separate).

    Public posts, the viewer's own, and followers-only posts of people the viewer follows (one
    primary-key probe into follows). Feeds and search put this next to `not_hidden(...)`.
    """
    # Identifiers and placeholders from our own code, never values: no injection vector.
    return (f"({post}.visibility = 'public' OR {post}.author_id = {viewer} OR EXISTS ("  # noqa: S608
            f"SELECT 1 FROM follows vf WHERE vf.follower_id = {viewer}"
            f" AND vf.followee_id = {post}.author_id))")


def post(post_id: str) -> Row | None:
    """A live post (not deleted, author active), without anything viewer-specific."""
    return db.fetch_one(
        f"SELECT {post_columns()} FROM posts p JOIN users u ON u.id = p.author_id"  # noqa: S608
        " WHERE p.id = %(id)s AND p.deleted_at IS NULL AND u.status = 'active'",
        {"id": post_id},
    )


def public_hashtags(post_id: str) -> list[str]:
    """The post's hashtags if it is public (they count in hashtag search), whatever its state."""
    row = db.fetch_one("SELECT hashtags FROM posts WHERE id = %s AND visibility = 'public'",
                       (post_id,))
    return list(row["hashtags"]) if row else []


def viewer_state(viewer_id: str, post_id: str) -> Row | None:
    """What changes often about a live post, and the viewer's relation to it; None if gone.

    Read on every view, cache or not: counts, deletion and blocks are always current, and
    edited_at tells whether a cached copy of the rest is still the latest text.
    """
    return db.fetch_one(
        "SELECT p.author_id::text AS author_id, p.visibility, p.like_count, p.comment_count,"  # noqa: S608
        " p.edited_at,"
        f" NOT {not_hidden('p.author_id')} AS blocked,"
        " EXISTS (SELECT 1 FROM follows WHERE follower_id = %(viewer)s"
        " AND followee_id = p.author_id) AS follows,"
        " EXISTS (SELECT 1 FROM likes WHERE post_id = p.id AND user_id = %(viewer)s) AS liked"
        " FROM posts p JOIN users u ON u.id = p.author_id"
        " WHERE p.id = %(post)s AND p.deleted_at IS NULL AND u.status = 'active'",
        {"viewer": viewer_id, "post": post_id},
    )


def lock_post(post_id: str) -> Row | None:
    """The post's author, visibility, hashtags, age and deletion, its row locked for this
    transaction."""
    return db.fetch_one(
        "SELECT id::text AS id, author_id::text AS author_id, visibility, hashtags, created_at,"
        " deleted_at, clock_timestamp() - created_at AS age FROM posts WHERE id = %s"
        " FOR NO KEY UPDATE",
        (post_id,),
    )


def lock_active_author(author_id: str) -> bool:
    """Whether the author's account is active, kept so (KEY SHARE) until the transaction ends."""
    return db.fetch_one("SELECT 1 AS ok FROM users WHERE id = %s AND status = 'active'"
                        " FOR KEY SHARE", (author_id,)) is not None


def insert_post(author_id: str, text: str, media_ids: list[str], visibility: str,
                reply_to: str | None, hashtags: list[str]) -> Row:
    row = db.fetch_one(
        "INSERT INTO posts (author_id, text, media_ids, visibility, reply_to, hashtags)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id::text AS id, created_at",
        (author_id, text, media_ids, visibility, reply_to, hashtags),
    )
    assert row is not None
    return row


def set_text(post_id: str, text: str, hashtags: list[str]) -> None:
    db.execute("UPDATE posts SET text = %s, hashtags = %s, edited_at = clock_timestamp()"
               " WHERE id = %s", (text, hashtags, post_id))


def soft_delete(post_id: str, by: str) -> bool:
    """True when the post was live and is deleted now."""
    return db.execute(
        "UPDATE posts SET deleted_at = clock_timestamp(), deleted_by = %s"
        " WHERE id = %s AND deleted_at IS NULL", (by, post_id)) == 1


def replace_hashtags(post_id: str, tags: list[str], created_at: dt.datetime) -> None:
    """The post's hashtag rows become exactly `tags` (new tags recorded in hashtags first)."""
    db.execute("DELETE FROM post_hashtags WHERE post_id = %s AND NOT (tag = ANY(%s))",
               (post_id, tags))
    if not tags:
        return
    # In one global order: two posts adding the same new tags in opposite orders cannot deadlock.
    db.execute("INSERT INTO hashtags (tag) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
               (sorted(tags),))
    db.execute(
        "INSERT INTO post_hashtags (tag, post_id, created_at)"
        " SELECT unnest(%s::text[]), %s, %s ON CONFLICT DO NOTHING",
        (tags, post_id, created_at),
    )


def mentionable(author_id: str, usernames: list[str]) -> list[str]:
    """Ids of the active users named, other than the author, with no block between them."""
    if not usernames:
        return []
    rows = db.fetch_all(
        "SELECT u.id::text AS id FROM users u WHERE u.username = ANY(%(names)s::citext[])"  # noqa: S608
        f" AND u.status = 'active' AND u.id <> %(viewer)s AND {not_hidden('u.id')}",
        {"names": usernames, "viewer": author_id},
    )
    return [row["id"] for row in rows]


def replace_mentions(post_id: str, user_ids: list[str]) -> list[str]:
    """The post mentions exactly `user_ids` now; the ids mentioned for the first time."""
    db.execute("DELETE FROM mentions WHERE post_id = %s AND NOT (user_id = ANY(%s::uuid[]))",
               (post_id, user_ids))
    if not user_ids:
        return []
    rows = db.fetch_all(
        "INSERT INTO mentions (post_id, user_id) SELECT %s, unnest(%s::uuid[])"
        " ON CONFLICT DO NOTHING RETURNING user_id::text AS id",
        (post_id, user_ids),
    )
    return [row["id"] for row in rows]


def insert_like(post_id: str, user_id: str) -> bool:
    """True when the like is new; the trigger on likes counts it."""
    return db.execute("INSERT INTO likes (post_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                      (post_id, user_id)) == 1


def delete_like(post_id: str, user_id: str) -> bool:
    return db.execute("DELETE FROM likes WHERE post_id = %s AND user_id = %s",
                      (post_id, user_id)) == 1


def counts(post_id: str) -> dict[str, Any] | None:
    return db.fetch_one("SELECT like_count, comment_count FROM posts WHERE id = %s", (post_id,))


def like_count(post_id: str) -> int:
    row = db.fetch_one("SELECT like_count FROM posts WHERE id = %s", (post_id,))
    return int(row["like_count"]) if row else 0


_AUTHOR = f"{author_object('u')} AS author"


def insert_comment(post_id: str, author_id: str, text: str) -> Row:
    row = db.fetch_one(
        "WITH c AS (INSERT INTO comments (post_id, author_id, text) VALUES (%s, %s, %s)"  # noqa: S608
        " RETURNING id, post_id, author_id, text, created_at)"
        f" SELECT c.id::text AS id, c.post_id::text AS post_id, c.text, c.created_at, {_AUTHOR}"
        " FROM c JOIN users u ON u.id = c.author_id",
        (post_id, author_id, text),
    )
    assert row is not None
    return row


def _keyset(params: dict[str, Any], after: Key | None, at: str, item: str, op: str) -> str:
    """The condition `(at, item) op after` (empty on the first page); binds `after` in params."""
    if after is None:
        return ""
    params.update(after_at=after[0], after_id=after[1])
    return f" AND ({at}, {item}) {op} (%(after_at)s, %(after_id)s::uuid)"


def comment_page(post_id: str, viewer_id: str, limit: int, after: Key | None) -> list[Row]:
    """Up to `limit` comments, oldest first, strictly after `after`; hidden users' left out."""
    params: dict[str, Any] = {"post": post_id, "viewer": viewer_id, "limit": limit}
    keyset = _keyset(params, after, "c.created_at", "c.id", ">")
    return db.fetch_all(
        f"SELECT c.id::text AS id, c.post_id::text AS post_id, c.text, c.created_at, {_AUTHOR}"  # noqa: S608
        " FROM comments c JOIN users u ON u.id = c.author_id"
        f" WHERE c.post_id = %(post)s AND c.deleted_at IS NULL{keyset}"
        f" AND u.status = 'active' AND {not_hidden('c.author_id')}"
        " ORDER BY c.created_at, c.id LIMIT %(limit)s",
        params,
    )


def _page(source: str, where: str, params: dict[str, Any], after: Key | None,
          at: str = "p.created_at", item: str = "p.id") -> list[Row]:
    """Posts the viewer may see, newest first, strictly before `after` (keyset on at, item)."""
    keyset = _keyset(params, after, at, item, "<")
    return db.fetch_all(
        f"SELECT {post_columns(viewer='%(viewer)s')} FROM {source}"  # noqa: S608
        " JOIN users u ON u.id = p.author_id"
        f" WHERE {where}{keyset} AND p.deleted_at IS NULL AND u.status = 'active'"
        f" AND {visible_to()} AND {not_hidden('p.author_id')}"
        f" ORDER BY {at} DESC, {item} DESC LIMIT %(limit)s",
        params,
    )


def author_page(author_id: str, viewer_id: str, limit: int, after: Key | None) -> list[Row]:
    """A user's posts the viewer may see; posts_author_idx answers it as a range scan."""
    return _page("posts p", "p.author_id = %(author)s",
                 {"author": author_id, "viewer": viewer_id, "limit": limit}, after)


def hashtag_page(tag: str, viewer_id: str, limit: int, after: Key | None) -> list[Row]:
    """A hashtag's posts the viewer may see, walking post_hashtags_page_idx newest first."""
    return _page("post_hashtags h JOIN posts p ON p.id = h.post_id", "h.tag = %(tag)s",
                 {"tag": tag, "viewer": viewer_id, "limit": limit}, after,
                 at="h.created_at", item="h.post_id")
