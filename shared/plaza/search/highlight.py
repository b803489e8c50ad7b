"""Highlights: the text HTML-escaped, the words a query matched wrapped in <mark>."""

from __future__ import annotations

import html
import re

from plaza.search.languages import normalise

_WORD = re.compile(r"\w+", re.UNICODE)
_MIN_STEM = 4


def _matches(word: str, wanted: frozenset[str]) -> bool:
    # Prefix matching as search does ("tomat" finds "tomatoes"), and a shared stem of at least
    # four letters for the forms the stemmers join ("running" for "runner").
    for query_word in wanted:
        if word.startswith(query_word):
            return True
        common = len(query_word) - 2
        if common >= _MIN_STEM and word[:common] == query_word[:common]:
            return True
    return False


def highlight(text: str, words: frozenset[str]) -> str:
    out = []
    position = 0
    for match in _WORD.finditer(text):
        out.append(html.escape(text[position:match.start()]))
        word = html.escape(match.group())
        out.append(f"<mark>{word}</mark>" if _matches(normalise(match.group()), words) else word)
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)
