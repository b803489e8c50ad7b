"""Stop words and synonyms per language, read from settings/languages/<code>.json.

Adding a language is adding a file: every file in that folder is a language, named by its code.
Words are kept normalised (plaza.search.query.normalise) so "película" and "pelicula" agree.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LANGUAGES_DIR = Path(__file__).resolve().parent / "settings" / "languages"


def normalise(text: str) -> str:
    """Lower case, accents dropped, whitespace collapsed: how queries and words are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())


@dataclass(frozen=True)
class Language:
    code: str
    postgres_config: str  # the text search configuration that stems it ("simple" for none)
    meilisearch_locale: str | None  # Meilisearch's `locales` code (ISO 639-3), if it has one
    stop_words: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]


@cache
def codes() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in LANGUAGES_DIR.glob("*.json")))


@cache
def language(code: str) -> Language:
    data = json.loads((LANGUAGES_DIR / f"{code}.json").read_text())
    return Language(
        code,
        data.get("postgres_config", "simple"),
        data.get("meilisearch_locale"),
        frozenset(normalise(word) for word in data.get("stop_words", [])),
        {normalise(word): tuple(normalise(other) for other in others)
         for word, others in data.get("synonyms", {}).items()},
    )


def chosen(code: str | None) -> list[Language]:
    """The language asked for, or every shipped language when the query names none."""
    return [language(code)] if code else [language(each) for each in codes()]
