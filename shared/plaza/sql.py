"""SQL every repo shares: the block filter and the one projection of a post.

Plain strings, no pydantic: the fan-out's task functions import feeds.repo and keep their cold
start free of it.
"""

from __future__ import annotations


def not_hidden(column: str, viewer: str = "%(viewer)s") -> str:
    """A WHERE condition: the user in `column` and the viewer have not blocked each other.

    For queries that list other people's things (feeds, search, messages, notifications): blocks
    has an index each way, so this stays two index probes per row. `viewer` is the placeholder
    (or column) of the viewer's id.
    """
    # Identifiers and placeholders from our own code, never values: no injection vector.
    return (f"NOT EXISTS (SELECT 1 FROM blocks hb WHERE (hb.blocker_id = {viewer}"  # noqa: S608
            f" AND hb.blocked_id = {column}) OR (hb.blocker_id = {column} AND hb.blocked_id = {viewer}))")


def author_object(alias: str) -> str:
    """A JSON object of the user `alias` as plaza.models.Author wants it."""
    return (f"json_build_object('id', {alias}.id::text, 'username', {alias}.username::text,"
            f" 'display_name', {alias}.display_name, 'avatar_media_id', {alias}.avatar_media_id)")


def post_columns(author: str = "u", viewer: str | None = None) -> str:
    """The select list of a post as plaza.models.PostOut wants it, for `posts p` joined with its
    author as `author`; with `viewer` (a placeholder), liked_by_me too.
    """
    # Identifiers and placeholders from our own code, never values: no injection vector.
    columns = (
        "p.id::text AS id, p.author_id::text AS author_id, p.text, p.media_ids, p.visibility,"  # noqa: S608
        " p.reply_to::text AS reply_to, p.hashtags, p.like_count, p.comment_count, p.created_at,"
        " p.edited_at, p.edited_at IS NOT NULL AS edited,"
        f" {author_object(author)} AS author,"
        " COALESCE((SELECT json_agg(json_build_object('id', mu.id::text,"
        " 'username', mu.username::text) ORDER BY mu.username)"
        " FROM mentions m JOIN users mu ON mu.id = m.user_id WHERE m.post_id = p.id), '[]'::json)"
        " AS mentions"
    )
    if viewer is not None:
        columns += (", EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id"  # noqa: S608
                    f" AND l.user_id = {viewer}) AS liked_by_me")
    return columns
