"""Search SQL over the domain tables (migration 0040): generated tsvectors, trigrams, and every
visibility rule in the WHERE clause, so a page holds only what its viewer may see and is full.

A query is its terms' tsqueries ANDed (plaza_search_term, migration 0043: a word or any synonym,
as a prefix or stemmed in the languages asked for); when no row matches them, trigram similarity
of the words finds the typos ("fuzzy"). Ordered by rank, then recency, then id: keyset pages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from plaza.posts.repo import visible_to
from plaza.search.cursor import Position
from plaza.sql import not_hidden, post_columns
from plaza.stores import db

Row = dict[str, Any]
_USER_NAMES = "plaza_unaccent(lower(u.username::text || ' ' || u.display_name))"
_POST_TEXT = "plaza_unaccent(lower(p.text))"


@dataclass
class Match:
    """The parsed query as SQL parameters, and the post filters."""

    terms: list[list[str]]
    fuzzy_text: str
    viewer: str
    stemmers: list[str] = field(default_factory=list)
    author: str | None = None
    hashtag: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    only: list[str] | None = None  # Meilisearch's hits: these keys, checked here, not matched
    params: dict[str, Any] = field(default_factory=dict)

    def tsquery(self) -> str:
        """`t0 && t1 && …` with each term's variants as a bound array: never tsquery syntax."""
        parts = []
        for number, variants in enumerate(self.terms):
            self.params[f"t{number}"] = variants
            parts.append(f"plaza_search_term(%(t{number})s::text[], %(stemmers)s::regconfig[])")
        return "(" + " && ".join(parts) + ")"

    def base_params(self) -> dict[str, Any]:
        return {**self.params, "stemmers": self.stemmers, "viewer": self.viewer, "fuzzy": self.fuzzy_text,
                "author": self.author, "hashtag": self.hashtag, "since": self.since,
                "until": self.until, "only": self.only}


def _after(rank: str, at: str, key: str, position: Position | None, params: dict[str, Any],
           key_type: str = "uuid") -> str:
    if position is None:
        return ""
    params.update(after_rank=position.rank, after_at=position.at, after_key=position.key)
    return (f" AND ({rank}, {at}, {key}) < (%(after_rank)s::float8, %(after_at)s,"
            f" %(after_key)s::{key_type})")


def _matching(match: Match, fuzzy: bool, tsv: str, text: str, key: str) -> tuple[str, str]:
    """The rank and the condition: the words against `tsv`, or trigrams of them in `text`, or
    (Meilisearch matched already) the key among its hits."""
    if match.only is not None:
        return "0::float8", f"{key} = ANY(%(only)s::uuid[])"
    if fuzzy:
        return f"word_similarity(%(fuzzy)s, {text})::float8", f"%(fuzzy)s <%% {text}"
    tsquery = match.tsquery()
    # ts_rank, not ts_rank_cd: every match is ranked, and cover density cost more (bench seed,
    # single words: p95 213 against 142 ms).
    return f"ts_rank({tsv}, {tsquery})::float8", f"{tsv} @@ {tsquery}"


def _page(select: str, source: str, order: str, after: str, params: dict[str, Any],
          limit: int) -> tuple[list[Row], int]:
    """`limit + 1` rows and how many match in all (after the cursor, if any). Ranked pages sort
    every match anyway, so the window count costs no second pass over them."""
    rows = db.fetch_all(f"SELECT {select}, count(*) OVER () AS total {source}{after}"  # noqa: S608
                        f" ORDER BY {order} LIMIT %(limit)s", {**params, "limit": limit + 1})
    return rows, int(rows[0]["total"]) if rows else 0


# -- users ------------------------------------------------------------------------------------

def users(match: Match, fuzzy: bool, position: Position | None, limit: int) -> tuple[list[Row], int]:
    rank, matches = _matching(match, fuzzy, "u.search_tsv", _USER_NAMES, "u.id")
    params = match.base_params()
    source = (f"FROM users u WHERE u.status = 'active' AND {matches}"  # noqa: S608
              f" AND {not_hidden('u.id')}")
    select = ("u.id::text AS id, u.username::text AS username, u.display_name, u.bio,"  # noqa: S608
              " u.avatar_media_id, u.follower_count, u.following_count, u.created_at,"
              " EXISTS (SELECT 1 FROM follows mf WHERE mf.follower_id = %(viewer)s"
              " AND mf.followee_id = u.id) AS followed_by_me,"
              " EXISTS (SELECT 1 FROM follows fm WHERE fm.follower_id = u.id"
              f" AND fm.followee_id = %(viewer)s) AS follows_me, {rank} AS rank")
    after = _after(rank, "u.created_at", "u.id", position, params)
    return _page(select, source, "rank DESC, u.created_at DESC, u.id DESC", after, params, limit)


# -- posts ------------------------------------------------------------------------------------

def posts(match: Match, fuzzy: bool, position: Position | None, limit: int) -> tuple[list[Row], int]:
    rank, matches = _matching(match, fuzzy, "p.search_tsv", _POST_TEXT, "p.id")
    params = match.base_params()
    filters = ""
    if match.author is not None:
        filters += " AND u.username = %(author)s"
    if match.hashtag is not None:
        filters += " AND p.hashtags @> ARRAY[%(hashtag)s::text]"
    if match.since is not None:
        filters += " AND p.created_at >= %(since)s"
    if match.until is not None:
        filters += " AND p.created_at < %(until)s"
    source = (f"FROM posts p JOIN users u ON u.id = p.author_id"  # noqa: S608
              f" WHERE p.deleted_at IS NULL AND u.status = 'active' AND {matches}{filters}"
              f" AND {visible_to('p')} AND {not_hidden('p.author_id')}")
    select = f"{post_columns(viewer='%(viewer)s')}, {rank} AS rank"
    after = _after(rank, "p.created_at", "p.id", position, params)
    return _page(select, source, "rank DESC, p.created_at DESC, p.id DESC", after, params, limit)


# -- hashtags ---------------------------------------------------------------------------------

# A hashtag counts the live public posts of active authors that carry it; one with none is not
# found, so a tag used only in followers-only posts never shows.
_HASHTAG_USE = ("CROSS JOIN LATERAL (SELECT count(*) AS post_count, max(ph.created_at) AS last_used_at"
                " FROM post_hashtags ph JOIN posts hp ON hp.id = ph.post_id"
                " JOIN users ha ON ha.id = hp.author_id"
                " WHERE ph.tag = h.tag AND hp.deleted_at IS NULL AND hp.visibility = 'public'"
                " AND ha.status = 'active') use")
_TAG_WORDS = "to_tsvector('simple', replace(h.tag, '_', ' '))"


def hashtags(match: Match, fuzzy: bool, position: Position | None,
             limit: int) -> tuple[list[Row], int]:
    if match.only is not None:
        rank, matches = "0::float8", "h.tag = ANY(%(only)s)"
    elif fuzzy:
        rank = "similarity(%(fuzzy)s, h.tag)::float8"
        matches = "%(fuzzy)s %% h.tag"
    else:
        tsquery = match.tsquery()
        rank = f"ts_rank({_TAG_WORDS}, {tsquery})::float8"
        matches = f"{_TAG_WORDS} @@ {tsquery}"
    params = match.base_params()
    source = f"FROM hashtags h {_HASHTAG_USE} WHERE {matches} AND use.post_count > 0"  # noqa: S608
    select = f"h.tag, use.post_count, use.last_used_at, {rank} AS rank"
    after = _after(rank, "use.last_used_at", "h.tag", position, params, "text")
    return _page(select, source, "rank DESC, use.last_used_at DESC, h.tag DESC", after, params,
                 limit)


# -- suggestions ------------------------------------------------------------------------------

def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def suggested_users(prefix: str, viewer: str, limit: int) -> list[Row]:
    """Active users, not across a block, whose username, else display name, starts with `prefix`:
    two index range scans (usernames first), each stopping at `limit`."""
    hidden = not_hidden("u.id")
    rows = db.fetch_all(
        "(SELECT u.id::text AS id, u.username::text AS username FROM users u"  # noqa: S608
        " WHERE lower(u.username::text) LIKE %(prefix)s AND u.status = 'active'"
        f" AND {hidden} ORDER BY lower(u.username::text) LIMIT %(limit)s)"
        " UNION ALL"
        " (SELECT u.id::text, u.username::text FROM users u"
        " WHERE plaza_unaccent(lower(u.display_name)) LIKE %(prefix)s AND u.status = 'active'"
        f" AND {hidden} ORDER BY plaza_unaccent(lower(u.display_name)) LIMIT %(limit)s)",
        {"prefix": _like_prefix(prefix), "viewer": viewer, "limit": limit},
    )
    unique = {row["id"]: row for row in reversed(rows)}  # a username match before a display name
    return [unique[key] for key in dict.fromkeys(row["id"] for row in rows)][:limit]


def suggested_hashtags(prefix: str, limit: int) -> list[Row]:
    """Hashtags starting with `prefix` that a live public post of an active author carries."""
    return db.fetch_all(
        "SELECT h.tag FROM hashtags h WHERE h.tag LIKE %(prefix)s AND EXISTS ("
        " SELECT 1 FROM post_hashtags ph JOIN posts hp ON hp.id = ph.post_id"
        " JOIN users ha ON ha.id = hp.author_id"
        " WHERE ph.tag = h.tag AND hp.deleted_at IS NULL AND hp.visibility = 'public'"
        " AND ha.status = 'active') ORDER BY h.tag LIMIT %(limit)s",
        {"prefix": _like_prefix(prefix), "limit": limit},
    )


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(text: str) -> bool:
    return _UUID.match(text) is not None


def users_suggestible(ids: list[str], viewer: str) -> list[Row]:
    """Of these users (Meilisearch's hits), the active ones not across a block with `viewer`."""
    if not ids:
        return []
    return db.fetch_all(
        "SELECT u.id::text AS id, u.username::text AS username FROM users u"  # noqa: S608
        f" WHERE u.id = ANY(%(ids)s::uuid[]) AND u.status = 'active' AND {not_hidden('u.id')}",
        {"ids": ids, "viewer": viewer})


def hashtags_in_use(tags: list[str]) -> set[str]:
    """Of these hashtags, those a live public post of an active author carries."""
    if not tags:
        return set()
    rows = db.fetch_all(
        "SELECT DISTINCT ph.tag FROM post_hashtags ph JOIN posts hp ON hp.id = ph.post_id"
        " JOIN users ha ON ha.id = hp.author_id WHERE ph.tag = ANY(%s::text[])"
        " AND hp.deleted_at IS NULL AND hp.visibility = 'public' AND ha.status = 'active'",
        (tags,))
    return {row["tag"] for row in rows}


# -- Meilisearch documents --------------------------------------------------------------------

def claim_versions(index: str, keys: list[str]) -> dict[str, int]:
    """Lock the documents' version rows for this transaction, in key order (two claimers never
    wait on each other in a cycle), and advance each: microseconds now, or one past the last."""
    rows = db.fetch_all(
        "INSERT INTO search_sync_versions (index_name, doc_id, version)"
        " SELECT %s, key, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
        " FROM unnest(%s::text[]) AS key ORDER BY key COLLATE \"C\""
        " ON CONFLICT (index_name, doc_id) DO UPDATE SET version = GREATEST("
        " search_sync_versions.version + 1, EXCLUDED.version) RETURNING doc_id, version",
        (index, sorted(set(keys))))
    return {row["doc_id"]: int(row["version"]) for row in rows}


def claim_version(index: str, key: str) -> int:
    return claim_versions(index, [key])[key]


_DOCUMENTS = {
    "post": ("SELECT p.id::text AS id, p.author_id::text AS author_id,"
             " u.username::text AS author_username, p.text, p.hashtags, p.visibility,"
             " p.like_count, p.comment_count, p.created_at::text AS created_at,"
             " extract(epoch FROM p.created_at)::float8 AS created_at_ts, p.id::text AS key"
             " FROM posts p JOIN users u ON u.id = p.author_id"
             " WHERE p.id = ANY(%s::uuid[]) AND p.deleted_at IS NULL AND u.status = 'active'"),
    "user": ("SELECT u.id::text AS id, u.username::text AS username, u.display_name, u.bio,"
             " u.avatar_media_id, u.follower_count, u.created_at::text AS created_at,"
             " u.id::text AS key FROM users u WHERE u.id = ANY(%s::uuid[]) AND u.status = 'active'"),
    "hashtag": ("SELECT h.tag, use.post_count, use.last_used_at::text AS last_used_at,"  # noqa: S608
                " extract(epoch FROM use.last_used_at)::float8 AS last_used_at_ts, h.tag AS key"
                f" FROM hashtags h {_HASHTAG_USE} WHERE h.tag = ANY(%s::text[])"
                " AND use.post_count > 0"),
}


def documents(kind: str, subjects: list[str]) -> dict[str, Row]:
    """The documents Meilisearch keeps for these posts, users or hashtags, by key; the gone and
    the hidden (deleted post, suspended author or user, tag on no live public post) are absent."""
    if not subjects:
        return {}
    rows = db.fetch_all(_DOCUMENTS[kind], (subjects,))
    return {row.pop("key"): row for row in rows}


def document(kind: str, subject: str) -> Row | None:
    return documents(kind, [subject]).get(subject)


# -- full reindex: pages of keys --------------------------------------------------------------
# Keys are uuids (posts, users: their own order, the primary key's) or tags (bytewise, COLLATE
# "C", migration 0044's index). Either order is also the order of their Meilisearch ids (a
# uuid's text; a tag's UTF-8 as hex) bytewise, so a page is one range in both, and each range
# read is an index range scan.

_KEYS = {  # table, key, its type for the bounds, live rows
    "post": ("posts", "id", "uuid", "deleted_at IS NULL"),
    "user": ("users", "id", "uuid", "status = 'active'"),
    "hashtag": ("hashtags", 'tag COLLATE "C"', "text", "true"),
}


def _range(key: str, key_type: str, after: str | None, until: str | None) -> tuple[str, list[str]]:
    sql, params = "", []
    if after is not None:
        sql += f" AND {key} > %s::{key_type}"
        params.append(after)
    if until is not None:
        sql += f" AND {key} <= %s::{key_type}"
        params.append(until)
    return sql, params


def page_end(kind: str, after: str | None, size: int) -> str | None:
    """The key `size` live keys after `after` (an index range scan of `size` rows), or None
    when fewer remain: the page then runs to the end."""
    table, key, key_type, live = _KEYS[kind]
    where, params = _range(key, key_type, after, None)
    row = db.fetch_one(f"SELECT ({key})::text AS key FROM {table} WHERE {live}{where}"  # noqa: S608
                       f" ORDER BY {key} OFFSET %s LIMIT 1", (*params, size - 1))
    return None if row is None else str(row["key"])


def live_keys(kind: str, after: str | None, until: str | None) -> list[str]:
    table, key, key_type, live = _KEYS[kind]
    where, params = _range(key, key_type, after, until)
    rows = db.fetch_all(f"SELECT ({key})::text AS key FROM {table} WHERE {live}{where}"  # noqa: S608
                        f" ORDER BY {key}", params)
    return [str(row["key"]) for row in rows]


def live_key_count(kind: str) -> int:
    table, _, _, live = _KEYS[kind]
    row = db.fetch_one(f"SELECT count(*) AS n FROM {table} WHERE {live}")  # noqa: S608
    return int(row["n"]) if row else 0


def synced_ids(index: str, after: str | None, until: str | None) -> list[str]:
    """Ids of documents ever written to Meilisearch's `index` in the range (of Meilisearch ids)."""
    where, params = _range('doc_id COLLATE "C"', "text", after, until)
    rows = db.fetch_all("SELECT doc_id FROM search_sync_versions"  # noqa: S608
                        f" WHERE index_name = %s{where}", (index, *params))
    return [row["doc_id"] for row in rows]


# What a complete index holds: the documents `documents` returns, counted in one pass each.
DOCUMENT_COUNTS = {
    "users": "SELECT count(*) AS n FROM users WHERE status = 'active'",
    "posts": ("SELECT count(*) AS n FROM posts p JOIN users u ON u.id = p.author_id"
              " WHERE p.deleted_at IS NULL AND u.status = 'active'"),
    "hashtags": ("SELECT count(DISTINCT ph.tag) AS n FROM post_hashtags ph"
                 " JOIN posts hp ON hp.id = ph.post_id JOIN users ha ON ha.id = hp.author_id"
                 " WHERE hp.deleted_at IS NULL AND hp.visibility = 'public'"
                 " AND ha.status = 'active'"),
}


def document_counts() -> dict[str, int]:
    """Per index, how many documents a complete Meilisearch copy holds."""
    return {index: int((db.fetch_one(sql) or {"n": 0})["n"])
            for index, sql in DOCUMENT_COUNTS.items()}
