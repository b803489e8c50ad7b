"""Search rules: parse the query, match by words (else by trigrams), page, highlight, count."""

from __future__ import annotations

from typing import Any

from plaza.models import PostOut
from plaza.search import cursor, insights, repo
from plaza.search.cursor import Position
from plaza.search.highlight import highlight
from plaza.search.languages import normalise
from plaza.search.models import (
    SUGGESTIONS,
    HashtagHit,
    PostHit,
    SearchPage,
    SearchQuery,
    Suggestion,
    SuggestionList,
    TrendingQueries,
    TrendingQuery,
    UserHit,
)
from plaza.search.query import parse

_SEARCHES = {"users": repo.users, "posts": repo.posts, "hashtags": repo.hashtags}
_RECENCY = {"users": "created_at", "posts": "created_at", "hashtags": "last_used_at"}
_KEY = {"users": "id", "posts": "id", "hashtags": "tag"}


def search(viewer: str, query: SearchQuery) -> SearchPage:
    position = cursor.decode(query.cursor)
    parsed = parse(query.q, query.lang)
    if position is None:
        insights.record(parsed.text)
    if not parsed.terms:
        return SearchPage(items=[], next_cursor=None, estimated_total=0)
    match = repo.Match(parsed.terms, parsed.fuzzy_text, viewer,
                       author=query.author.lstrip("@") if query.author else None,
                       hashtag=normalise(query.hashtag.lstrip("#")) if query.hashtag else None,
                       since=query.since, until=query.until)
    run = _SEARCHES[query.type]
    fuzzy = position.fuzzy if position else False
    rows, total = run(match, fuzzy, position, query.limit)
    if not rows and position is None:
        # No word matched as written, stemmed or as a prefix: look for typos instead.
        fuzzy = True
        rows, total = run(match, fuzzy, None, query.limit)
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[:query.limit]
        last = rows[-1]
        next_cursor = cursor.encode(Position(fuzzy, float(last["rank"]), last[_RECENCY[query.type]],
                                             str(last[_KEY[query.type]])))
    return SearchPage(items=[_hit(query.type, row, parsed.words) for row in rows],
                      next_cursor=next_cursor, estimated_total=total)


def _hit(kind: str, row: dict[str, Any], words: frozenset[str]) -> UserHit | PostHit | HashtagHit:
    if kind == "users":
        shown = " · ".join(part for part in (row["username"], row["display_name"], row["bio"]) if part)
        return UserHit(**row, highlight=highlight(shown, words))
    if kind == "posts":
        post = PostOut.model_validate(row)
        return PostHit(**post.model_dump(), highlight=highlight(post.text, words))
    return HashtagHit(**row, highlight=highlight(row["tag"], words))


def suggestions(viewer: str, q: str) -> SuggestionList:
    """Up to 10 users then hashtags whose name starts with `q` (a leading @ or # is ignored)."""
    prefix = normalise(q).lstrip("@#")
    if not prefix:
        return SuggestionList(items=[])
    items = [Suggestion(type="user", id=row["id"], label=f"@{row['username']}")
             for row in repo.suggested_users(prefix, viewer, SUGGESTIONS)]
    if len(items) < SUGGESTIONS:
        items += [Suggestion(type="hashtag", id=row["tag"], label=f"#{row['tag']}")
                  for row in repo.suggested_hashtags(prefix, SUGGESTIONS - len(items))]
    return SuggestionList(items=items)


def trending_queries() -> TrendingQueries:
    return TrendingQueries(items=[TrendingQuery(query=query, count=count)
                                  for query, count in insights.top()])
