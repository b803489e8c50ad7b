"""plaza.search.query, highlight and cursor: pure functions, no stores."""

from __future__ import annotations

import datetime as dt

import pytest

from plaza import errors
from plaza.search import cursor, languages
from plaza.search.highlight import highlight
from plaza.search.query import MAX_TERMS, parse


def test_queries_are_normalised_words_with_stop_words_dropped_and_synonyms_added() -> None:
    parsed = parse("El  Cóche & la PLAYA!", "es")
    assert parsed.text == "el coche & la playa!"
    assert parsed.terms == [["coche", "auto", "carro"], ["playa", "costa"]]
    assert parse("the car", "en").terms == [["car", "automobile", "auto"]]


def test_a_query_of_only_stop_words_keeps_them_and_symbols_are_separators() -> None:
    assert parse("de la", "es").terms == [["de"], ["la"]]
    assert parse("'); DROP:* | !x").terms == [["drop"], ["x"]]
    assert parse("!!! ***").terms == []
    assert len(parse(" ".join(f"w{n}" for n in range(30))).terms) == MAX_TERMS


def test_without_a_language_every_shipped_language_applies() -> None:
    assert set(languages.codes()) >= {"en", "es"}
    assert parse("the coche").terms == [["coche", "auto", "carro"]]


def test_highlights_escape_html_and_mark_prefixes_and_stems() -> None:
    words = frozenset({"harb", "lighthouses"})
    assert highlight("<Harbour> & lighthouse's run", words) == (
        "&lt;<mark>Harbour</mark>&gt; &amp; <mark>lighthouse</mark>&#x27;s run")
    assert highlight("Café", frozenset({"cafe"})) == "<mark>Café</mark>"


def test_cursors_round_trip_exactly_and_reject_anything_else() -> None:
    at = dt.datetime(2026, 12, 6, 7, 0, 0, 123456, tzinfo=dt.UTC)
    position = cursor.Position(False, 0.1 + 0.2, at, "3f1c9a2e-7b64-4d58-9e02-b6a4c8d1f357",
                               total=42)
    assert cursor.decode(cursor.encode(position)) == position
    tag = cursor.Position(True, 1e-20, at, "café", total=3)
    assert cursor.decode(cursor.encode(tag)) == tag
    assert cursor.decode(cursor.encode(cursor.meili(60, 9))) == cursor.meili(60, 9)
    assert cursor.decode(None) is None
    for bad in ["", "nope", "dHwxfDJ8eA", "%%%"]:
        with pytest.raises(errors.Invalid):
            cursor.decode(bad)
