"""Each index's Meilisearch settings: settings/<index>.json plus every language's stop words and
synonyms (settings/languages/*.json), applied once per container before the first write."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from plaza.search import languages
from plaza.stores import search as store

SETTINGS_DIR = Path(__file__).resolve().parent / "settings"
INDEXES = ("users", "posts", "hashtags")
_applied = False


@cache
def settings_of(index: str) -> dict[str, Any]:
    data = json.loads((SETTINGS_DIR / f"{index}.json").read_text())
    data.pop("primaryKey", None)  # the document's key, given with the documents, not a setting
    every = [languages.language(code) for code in languages.codes()]
    data["stopWords"] = sorted(set().union(*(each.stop_words for each in every)))
    synonyms: dict[str, list[str]] = {}
    for each in every:
        for word, others in each.synonyms.items():
            synonyms.setdefault(word, [])
            synonyms[word] += [other for other in others if other not in synonyms[word]]
    data["synonyms"] = synonyms
    return data


def apply() -> list[str]:
    """Every index's settings, now (on deploy, at local cloud start); the indexes set.
    Idempotent: Meilisearch keeps settings that equal the ones sent as they are."""
    global _applied
    for index in INDEXES:
        store.apply_meilisearch_settings(index, settings_of(index))
    _applied = True
    return list(INDEXES)


def apply_once() -> None:
    """Before this container's first write: a deploy applied them, but a new index or a new
    language file may reach a container before the custom resource runs."""
    if not _applied:
        apply()


def forget_applied() -> None:
    """Tests start a fresh Meilisearch between cases."""
    global _applied
    _applied = False
