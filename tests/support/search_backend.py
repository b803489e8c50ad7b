"""Pointing plaza's search store at the Meilisearch fake, or back at Postgres full-text, in a
test: the environment it reads, with every cache that remembers the last one dropped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from plaza import config
from plaza.search import index_settings
from plaza.stores import search
from tests.support.fake_meilisearch import FakeMeilisearch


def use_search_backend(monkeypatch: pytest.MonkeyPatch, fake: FakeMeilisearch | None) -> None:
    """Search on `fake` from now on (None: on Postgres full-text); settings, the search client
    and the record of applied index settings are read afresh."""
    for key in ("MEILI_URL", "MEILI_API_KEY", "SEARCH_BACKEND"):
        monkeypatch.delenv(key, raising=False)
    if fake is not None:
        monkeypatch.setenv("MEILI_URL", fake.url)
        monkeypatch.setenv("MEILI_API_KEY", fake.api_key)
    config.reset_settings()
    search.reset()
    index_settings.forget_applied()


@contextmanager
def meilisearch_in_use(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch]:
    """A started fake that search uses until the block ends; then stopped, and Postgres again."""
    fake = FakeMeilisearch().start()
    use_search_backend(monkeypatch, fake)
    try:
        yield fake
    finally:
        fake.stop()
        use_search_backend(monkeypatch, None)
