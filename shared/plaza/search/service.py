"""Search rules: parse the query, match by words (else by trigrams), page, highlight, count."""

from __future__ import annotations

import re
from typing import Any

from plaza.models import PostOut
from plaza.search import cursor, insights, repo
from plaza.search.cursor import Position
from plaza.search.highlight import highlight
from plaza.search.languages import normalise
from plaza.search.models import (
    HashtagHit,
    PostHit,
    SearchPage,
    SearchQuery,
    UserHit,
)
from plaza.search.query import Parsed, parse
from plaza.stores import search as store

_SEARCHES = {"users": repo.users, "posts": repo.posts, "hashtags": repo.hashtags}
_RECENCY = {"users": "created_at", "posts": "created_at", "hashtags": "last_used_at"}
_KEY = {"users": "id", "posts": "id", "hashtags": "tag"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Meilisearch hits read per round; it knows no visibility, so a page may need several rounds.
_MEILI_BATCH = 50
_MEILI_MAX_OFFSET = 1000


def search(viewer: str, query: SearchQuery) -> SearchPage:
    position = cursor.decode(query.cursor)
    parsed = parse(query.q, query.lang)
    if position is None:
        insights.record(parsed.text)
    if not parsed.terms:
        return SearchPage(items=[], next_cursor=None, estimated_total=0)
    match = repo.Match(parsed.terms, parsed.fuzzy_text, viewer, parsed.stemmers,
                       author=query.author.lstrip("@") if query.author else None,
                       hashtag=normalise(query.hashtag.lstrip("#")) if query.hashtag else None,
                       since=query.since, until=query.until)
    run = _SEARCHES[query.type]
    if position is None or position.meili_offset is not None:
        try:
            page = _meili_page(query, parsed, match, position)
            if position is None and not page.items:
                insights.record(parsed.text, board="zero")
            return page
        except store.MeiliUnusable:
            # Not configured, cooling down, or failed just now (counted): Postgres answers, from
            # the first page (a Meilisearch cursor means nothing to it).
            position = None
    fuzzy = position.fuzzy if position else False
    rows, total = run(match, fuzzy, position, query.limit)
    if not rows and position is None:
        # No word matched as written, stemmed or as a prefix: look for typos instead.
        fuzzy = True
        rows, total = run(match, fuzzy, None, query.limit)
    if position is not None:
        total = position.total
    elif total == 0:
        insights.record(parsed.text, board="zero")
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[:query.limit]
        last = rows[-1]
        next_cursor = cursor.encode(Position(fuzzy, float(last["rank"]), last[_RECENCY[query.type]],
                                             str(last[_KEY[query.type]]), total=total))
    return SearchPage(items=[_hit(query.type, row, parsed.words) for row in rows],
                      next_cursor=next_cursor, estimated_total=total)


def _meili_page(query: SearchQuery, parsed: Parsed, match: repo.Match,
                position: cursor.Position | None) -> SearchPage:
    """Meilisearch ranks; Postgres decides what the caller may see and supplies the current
    state, over-fetching so a page is full: its hits are keys, each checked with the same SQL as
    the Postgres path (visibility, blocks, suspensions, deletes, the post filters)."""
    words = " ".join(term[0] for term in parsed.terms)
    offset = position.meili_offset or 0 if position else 0
    rows: list[tuple[dict[str, Any], int]] = []
    total = position.total if position else 0
    while len(rows) <= query.limit and offset < _MEILI_MAX_OFFSET:
        found = store.search_meilisearch(query.type, words, _MEILI_BATCH, offset, parsed.locales)
        total = total or found.total_estimate
        keys = [str(hit.get(_KEY[query.type], "")) for hit in found.hits]
        match.only = [key for key in keys if query.type == "hashtags" or _UUID.match(key)]
        visible = {str(row[_KEY[query.type]]): row
                   for row in _SEARCHES[query.type](match, False, None, len(keys))[0]}
        for read, key in enumerate(keys, start=offset + 1):
            if key in visible and len(rows) <= query.limit:
                rows.append((visible[key], read))
        offset += len(found.hits)
        if len(found.hits) < _MEILI_BATCH:
            break
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[:query.limit]
        next_cursor = cursor.encode(cursor.meili(rows[-1][1], total))
    return SearchPage(items=[_hit(query.type, row, parsed.words) for row, _ in rows],
                      next_cursor=next_cursor, estimated_total=total)


def _hit(kind: str, row: dict[str, Any], words: frozenset[str]) -> UserHit | PostHit | HashtagHit:
    if kind == "users":
        shown = " · ".join(part for part in (row["username"], row["display_name"], row["bio"]) if part)
        return UserHit(**row, highlight=highlight(shown, words))
    if kind == "posts":
        post = PostOut.model_validate(row)
        return PostHit(**post.model_dump(), highlight=highlight(post.text, words))
    return HashtagHit(**row, highlight=highlight(row["tag"], words))
