"""Search on Postgres (FTS + trigram), on Meilisearch (through a faithful fake), and fallback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud.embedded import free_port
from plaza import config
from plaza.errors import Invalid, Unavailable
from plaza.stores import db, search
from tests.support.fake_meilisearch import FakeMeilisearch

DOCS = [
    {"id": "p1", "title": "Sunset over the harbour", "body": "Golden light on the boats",
     "author": "ada"},
    {"id": "p2", "title": "Morning run", "body": "Ten kilometres along the harbour wall"},
    {"id": "p3", "title": "Recipe", "body": "Slow roasted tomatoes with basil"},
]


def _fresh(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for key in ("MEILI_URL", "MEILI_API_KEY", "SEARCH_BACKEND"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config.reset_settings()
    db.close()
    search.reset()


@pytest.fixture
def on_postgres(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _fresh(monkeypatch)
    yield
    search.reset()


@pytest.fixture
def meili(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch]:
    fake = FakeMeilisearch().start()
    _fresh(monkeypatch, MEILI_URL=fake.url, MEILI_API_KEY=fake.api_key)
    yield fake
    fake.stop()
    search.reset()


def _ids(page: search.SearchPage) -> list[str]:
    return [hit["id"] for hit in page.hits]


def test_postgres_finds_documents_by_words_and_prefixes(on_postgres: None) -> None:
    search.index_documents("smoke", DOCS)
    page = search.search("smoke", "harbour")
    assert page.backend == "postgres" and page.fallback is False
    assert sorted(_ids(page)) == ["p1", "p2"]
    assert page.total_estimate == 2
    assert _ids(search.search("smoke", "harbour gold")) == ["p1"]
    assert _ids(search.search("smoke", "tomat")) == ["p3"]
    assert search.search("smoke", "harbour submarine").hits == []


def test_postgres_ranks_title_matches_first_and_returns_extra_fields(on_postgres: None) -> None:
    search.index_documents("smoke", [
        {"id": "body", "title": "Notes", "body": "a word about kites"},
        {"id": "title", "title": "Kites", "body": "notes"},
    ])
    page = search.search("smoke", "kites")
    assert _ids(page) == ["title", "body"]
    search.index_documents("smoke", DOCS)
    assert search.search("smoke", "sunset").hits == [DOCS[0]]


def test_postgres_tolerates_typos_when_nothing_matches_exactly(on_postgres: None) -> None:
    search.index_documents("smoke", DOCS)
    assert sorted(_ids(search.search("smoke", "harbor"))) == ["p1", "p2"]
    assert _ids(search.search("smoke", "tomatos")) == ["p3"]
    assert search.search("smoke", "zzzzqqq").hits == []


def test_postgres_pages_upserts_and_deletes(on_postgres: None) -> None:
    search.index_documents("smoke", [{"id": f"d{n}", "title": f"note {n}"} for n in range(5)])
    first = search.search("smoke", "note", limit=2)
    second = search.search("smoke", "note", limit=2, offset=2)
    assert first.total_estimate == 5 and len(first.hits) == 2
    assert not set(_ids(first)) & set(_ids(second))
    search.index_documents("smoke", [{"id": "d0", "title": "renamed"}])
    assert _ids(search.search("smoke", "renamed")) == ["d0"]
    search.delete_documents("smoke", ["d0", "d1", "unknown"])
    assert search.search("smoke", "note").total_estimate == 3
    assert search.search("other", "note").hits == []  # indexes do not leak into each other
    assert len(search.search("smoke", "").hits) == 3  # an empty query lists the newest


def test_search_parameters_are_bounded(on_postgres: None) -> None:
    with pytest.raises(Invalid):
        search.search("smoke", "x", limit=101)
    with pytest.raises(Invalid):
        search.search("smoke", "x", limit=0)
    with pytest.raises(Invalid):
        search.search("smoke", "x", offset=-1)
    with pytest.raises(Invalid):
        search.search("smoke", "x" * 201)
    with pytest.raises(Invalid):
        search.search("Robert'); DROP TABLE search_documents;--", "x")
    with pytest.raises(Invalid):
        search.index_documents("smoke", [{"id": "has space", "title": "x"}])


def test_query_text_is_data_not_sql(on_postgres: None) -> None:
    search.index_documents("smoke", DOCS)
    assert search.search("smoke", "'); DROP TABLE search_documents; -- & | ! :*").hits == []
    assert search.search("smoke", "harbour").total_estimate == 2


def test_ping_names_postgres_when_meilisearch_is_not_configured(on_postgres: None) -> None:
    assert search.ping() == "postgres"


def test_meilisearch_serves_searches_and_postgres_keeps_a_copy(
    meili: FakeMeilisearch,
) -> None:
    search.index_documents("smoke", DOCS)
    assert set(meili.indexes["smoke"]["documents"]) == {"p1", "p2", "p3"}
    assert meili.indexes["smoke"]["primaryKey"] == "id"
    page = search.search("smoke", "harbour", limit=1)
    assert page.backend == "meilisearch" and page.fallback is False
    assert page.total_estimate == 2 and len(page.hits) == 1
    assert ("POST", "/indexes/smoke/search") in meili.requests
    assert db.fetch_one("SELECT count(*) AS n FROM search_documents")["n"] == 3  # type: ignore[index]
    search.delete_documents("smoke", ["p1"])
    assert "p1" not in meili.indexes["smoke"]["documents"]
    assert db.fetch_one("SELECT 1 FROM search_documents WHERE doc_id = 'p1'") is None
    assert search.ping() == "meilisearch"


def test_a_stopped_meilisearch_falls_back_to_postgres_and_counts_it(
    meili: FakeMeilisearch, capsys: pytest.CaptureFixture[str],
) -> None:
    search.index_documents("smoke", DOCS)
    meili.stop()
    page = search.search("smoke", "harbour")
    assert page.backend == "postgres" and page.fallback is True
    assert sorted(_ids(page)) == ["p1", "p2"]
    search.index_documents("smoke", [{"id": "p4", "title": "harbour seals"}])  # still written
    assert "p4" in _ids(search.search("smoke", "seals"))
    assert search.ping() == "postgres (meilisearch unavailable)"
    assert '"SearchFallback"' in capsys.readouterr().out


def test_a_meilisearch_that_rejects_the_key_falls_back(
    meili: FakeMeilisearch, monkeypatch: pytest.MonkeyPatch,
) -> None:
    search.index_documents("smoke", DOCS)
    monkeypatch.setenv("MEILI_API_KEY", "wrong")
    config.reset_settings()
    search.reset()
    page = search.search("smoke", "basil")
    assert page.fallback is True and _ids(page) == ["p3"]


def test_an_index_unknown_to_meilisearch_is_served_from_postgres(
    meili: FakeMeilisearch,
) -> None:
    meili.stop()
    search.index_documents("smoke", DOCS)  # written while Meilisearch was down
    search.reset()
    restarted = FakeMeilisearch(api_key=meili.api_key).start()
    try:
        search.backend().meili = search.MeiliSearch(restarted.url, restarted.api_key, 1)
        page = search.search("smoke", "basil")
    finally:
        restarted.stop()
    assert page.fallback is True and _ids(page) == ["p3"]


def test_forcing_postgres_ignores_meilisearch(meili: FakeMeilisearch,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(monkeypatch, MEILI_URL=meili.url, MEILI_API_KEY=meili.api_key,
           SEARCH_BACKEND="postgres")
    search.index_documents("smoke", DOCS)
    assert meili.indexes == {}
    assert search.search("smoke", "basil").backend == "postgres"


def test_ping_raises_unavailable_when_no_backend_answers(
    meili: FakeMeilisearch, monkeypatch: pytest.MonkeyPatch,
) -> None:
    meili.stop()
    _fresh(monkeypatch, MEILI_URL=meili.url, MEILI_API_KEY=meili.api_key,
           DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/plaza")
    with pytest.raises(Unavailable) as raised:
        search.ping()
    assert raised.value.extra["dependency"] == "search"
    db.close()
