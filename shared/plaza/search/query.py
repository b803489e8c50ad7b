"""A query as search runs it: its words, stop words dropped, each with its synonyms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plaza.search import languages

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Parsed:
    text: str  # normalised, as counted by insights
    terms: list[list[str]]  # per term: the word first, then its synonyms (words or phrases)
    stemmers: list[str]  # Postgres text search configurations of the languages asked for
    locales: list[str] = field(default_factory=list)  # Meilisearch's codes of the language asked for

    @property
    def words(self) -> frozenset[str]:
        """Every word of every variant: what a highlight marks."""
        return frozenset(word for term in self.terms for variant in term
                         for word in _WORD.findall(variant))

    @property
    def fuzzy_text(self) -> str:
        return " ".join(term[0] for term in self.terms)


def parse(q: str, lang: str | None = None) -> Parsed:
    """Words of `q` (symbols are separators, never operators), minus the stop words of the
    language(s) unless that would leave nothing, each with the synonyms the language lists."""
    text = languages.normalise(q)
    words = list(dict.fromkeys(_WORD.findall(text)))[:MAX_TERMS]
    chosen = languages.chosen(lang)
    stop = frozenset().union(*(each.stop_words for each in chosen))
    kept = [word for word in words if word not in stop] or words
    terms = []
    for word in kept:
        variants = [word]
        for each in chosen:
            variants += [other for other in each.synonyms.get(word, ()) if other not in variants]
        terms.append(variants)
    # Meilisearch is told the language only when the query names one: with none, it detects it.
    locales = [each.meilisearch_locale for each in chosen if each.meilisearch_locale] if lang else []
    return Parsed(text, terms, sorted({each.postgres_config for each in chosen}), locales)
