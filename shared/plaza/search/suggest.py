"""Suggestions as one types: users, then hashtags, by prefix (Postgres: prefix indexes)."""

from __future__ import annotations

from plaza.search import repo
from plaza.search.languages import normalise
from plaza.search.models import SUGGESTIONS, Suggestion, SuggestionList


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
