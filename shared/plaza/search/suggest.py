"""Suggestions as one types: users, then hashtags, by prefix. Meilisearch when configured (its
prefix search on names; Postgres checks what the caller may see), else Postgres prefix indexes;
a Meilisearch failure is answered from Postgres in the same request."""

from __future__ import annotations

import re

from plaza.search import repo
from plaza.search.languages import normalise
from plaza.search.models import SUGGESTIONS, Suggestion, SuggestionList
from plaza.stores import search as store

# Meilisearch knows no blocks nor suspensions: read more than needed, keep what Postgres allows.
_MEILI_READ = 3 * SUGGESTIONS
_NAMES = ("username", "display_name")
_WORD = re.compile(r"\w+", re.UNICODE)


def suggestions(viewer: str, q: str) -> SuggestionList:
    """Up to 10 users then hashtags whose name starts with `q` (a leading @ or # is ignored)."""
    prefix = normalise(q).lstrip("@#")
    if not prefix:
        return SuggestionList(items=[])
    try:
        return _from_meilisearch(viewer, prefix)
    except store.MeiliUnusable:
        pass  # not configured, cooling down, or failed just now (counted)
    items = [Suggestion(type="user", id=row["id"], label=f"@{row['username']}")
             for row in repo.suggested_users(prefix, viewer, SUGGESTIONS)]
    if len(items) < SUGGESTIONS:
        items += [Suggestion(type="hashtag", id=row["tag"], label=f"#{row['tag']}")
                  for row in repo.suggested_hashtags(prefix, SUGGESTIONS - len(items))]
    return SuggestionList(items=items)


def _from_meilisearch(viewer: str, prefix: str) -> SuggestionList:
    # Its words only: quotes and a leading "-" are Meilisearch operators (phrase, negation),
    # and symbols here are data. Nothing but symbols: Postgres matches them as typed.
    words = " ".join(_WORD.findall(prefix))
    if not words:
        raise store.MeiliUnusable("users")
    found = store.search_meilisearch("users", words, _MEILI_READ, 0, attributes=_NAMES)
    ids = [str(hit.get("id", "")) for hit in found.hits]
    allowed = {row["id"]: row for row in repo.users_suggestible([i for i in ids if repo.is_uuid(i)],
                                                                 viewer)}
    items = [Suggestion(type="user", id=key, label=f"@{allowed[key]['username']}")
             for key in dict.fromkeys(ids) if key in allowed][:SUGGESTIONS]
    if len(items) < SUGGESTIONS:
        found = store.search_meilisearch("hashtags", words, _MEILI_READ, 0, attributes=("tag",))
        tags = [str(hit["tag"]) for hit in found.hits if isinstance(hit.get("tag"), str)]
        live = repo.hashtags_in_use(tags)
        items += [Suggestion(type="hashtag", id=tag, label=f"#{tag}")
                  for tag in dict.fromkeys(tags) if tag in live][:SUGGESTIONS - len(items)]
    return SuggestionList(items=items)
