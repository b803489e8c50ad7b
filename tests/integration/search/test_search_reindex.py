"""The full reindex and the drift check against Postgres and the Meilisearch fake: pages cover
every key, sweep what is gone, never write an older state; drift is counted per index; hashtag
events batch a post's tags; suggestions and a query's language go to Meilisearch when configured."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from plaza.health import readiness
from plaza.posts import service as posts
from plaza.search import drift, pages, reindex, repo, suggest, sync
from plaza.search import service as search_service
from plaza.search.models import SearchQuery
from plaza.social import service as social
from plaza.stores import search
from tests.integration.search.conftest import MakePost, MakeUser
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.search_backend import meilisearch_in_use, use_search_backend


@pytest.fixture
def meili(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch]:
    with meilisearch_in_use(monkeypatch) as fake:
        yield fake


def _docs(fake: FakeMeilisearch, index: str) -> dict[str, dict[str, Any]]:
    return fake.indexes.get(index, {}).get("documents", {})


def test_pages_cover_every_key_once_in_ranges_that_meet(make_user: MakeUser,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    monkeypatch.setattr(pages, "PAGES_PER_PLAN", 2)
    users = sorted(make_user(f"user{n}") for n in range(5))
    every = list(pages.every_page())
    of_users = [page for page in every if page["index"] == "users"]
    # 5 keys in pages of 2: three pages, the last open-ended, each starting where one ended.
    assert [(p["after"], p["until"]) for p in of_users] == [
        (None, users[1]), (users[1], users[3]), (users[3], None)]
    assert [p["index"] for p in every] == ["users"] * 3 + ["posts", "hashtags"]
    first = pages.plan(None)
    assert len(first["pages"]) == 2 and first["next"] == {"index": "users", "after": users[3]}


def test_a_bad_cursor_or_page_is_invalid_not_retried() -> None:
    from plaza import errors

    with pytest.raises(errors.Invalid):
        pages.plan({"index": "places"})
    with pytest.raises(errors.Invalid):
        reindex.index_page({"index": "posts", "after": 3, "until": None})


def test_reindex_fills_meilisearch_sweeps_the_gone_and_drift_is_counted(
        meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    ann, bob = make_user("ann"), make_user("bob")
    kept = [make_post(ann, f"harbour walk {n} #sea") for n in range(3)]
    gone = make_post(bob, "soon deleted #lonely")
    totals = reindex.run_all()
    assert {index: done.upserted for index, done in totals.items()} == {
        "users": 2, "posts": 4, "hashtags": 2}
    assert set(_docs(meili, "posts")) == {*kept, gone}
    assert meili.indexes["posts"]["settings"]["stopWords"]  # settings before the first write
    # Deleted without an event reaching the consumer (say the queue was down): the next
    # reindex removes it and the tag no live post carries.
    posts.delete_post(bob, "user", gone)
    report = drift.check()
    assert report["backend"] == "meilisearch"
    assert report["indexes"]["posts"] == {"postgres": 3, "search": 4, "drift": 1}
    assert report["indexes"]["hashtags"] == {"postgres": 1, "search": 2, "drift": 1}
    assert readiness()["search_indexes"] == report
    totals = reindex.run_all()
    assert totals["posts"].deleted >= 1 and set(_docs(meili, "posts")) == set(kept)
    assert [doc["tag"] for doc in _docs(meili, "hashtags").values()] == ["sea"]
    # A document lost from Meilisearch shows as drift of -1 until the next reindex.
    _docs(meili, "users").pop(ann)
    assert drift.check()["indexes"]["users"]["drift"] == -1
    reindex.run_all()
    assert {i: c["drift"] for i, c in drift.check()["indexes"].items()} == {
        "users": 0, "posts": 0, "hashtags": 0}


def test_a_page_writes_a_newer_version_than_any_event_before_it(
        meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost) -> None:
    ann = make_user("ann")
    post = make_post(ann, "versioned text")
    sync.handle({"kind": "post", "action": "index", "post_id": post})
    first = _docs(meili, "posts")[post]["version"]
    reindex.index_page({"index": "posts", "after": None, "until": None})
    assert _docs(meili, "posts")[post]["version"] > first
    sync.handle({"kind": "post", "action": "index", "post_id": post})
    assert _docs(meili, "posts")[post]["version"] > first + 1


def test_a_hashtag_event_indexes_its_tags_and_drops_a_tag_no_public_post_carries(
        meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost) -> None:
    ann = make_user("ann")
    post = make_post(ann, "Low tide #beach #rocks")
    assert sync.handle({"kind": "hashtag", "action": "index", "tags": ["beach", "rocks"]}) \
        == "indexed"
    tags = {doc["tag"]: doc for doc in _docs(meili, "hashtags").values()}
    assert set(tags) == {"beach", "rocks"} and tags["beach"]["post_count"] == 1
    make_post(ann, "High tide #beach")
    sync.handle({"kind": "hashtag", "action": "index", "tags": ["beach"]})
    assert {doc["tag"]: doc["post_count"] for doc in _docs(meili, "hashtags").values()} == {
        "beach": 2, "rocks": 1}
    posts.delete_post(ann, "user", post)
    sync.handle({"kind": "hashtag", "action": "index", "tags": ["beach", "rocks"]})
    assert {doc["tag"]: doc["post_count"] for doc in _docs(meili, "hashtags").values()} == {
        "beach": 1}
    for bad in ({"kind": "hashtag", "tags": []}, {"kind": "hashtag", "tags": [""]},
                {"kind": "hashtag", "tags": "beach"}, {"kind": "hashtag", "tags": ["x"] * 61}):
        with pytest.raises(sync.BadEvent):
            sync.handle(bad)


def test_suggestions_come_from_meilisearch_and_postgres_keeps_out_the_blocked(
        meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost) -> None:
    viewer, marta, mario = make_user("viewer"), make_user("marta"), make_user("mario")
    make_post(marta, "hello #maritime")
    sync.reindex()
    social.block(mario, "viewer")
    labels = [item.label for item in suggest.suggestions(viewer, "@mar").items]
    assert labels == ["@marta", "#maritime"]
    assert meili.searches[0]["attributesToSearchOn"] == ["username", "display_name"]
    # Quotes and a leading "-" (Meilisearch's phrase and negation operators) are data: not sent.
    assert [item.label for item in suggest.suggestions(viewer, '"-mar').items] == [
        "@marta", "#maritime"]
    assert meili.searches[-2]["q"] == "mar"
    meili.stop()  # fails: the same request is answered from Postgres
    assert [item.label for item in suggest.suggestions(viewer, "mar").items] == [
        "@marta", "#maritime"]
    assert search.backend().meili_down_until > 0


def test_a_query_language_goes_to_meilisearch_as_its_locale(
        meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost) -> None:
    ann, viewer = make_user("ann"), make_user("viewer")
    post = make_post(ann, "Un coche rojo en la playa")
    sync.reindex()
    page = search_service.search(viewer, SearchQuery(q="el carro", lang="es"))
    assert [item.id for item in page.items] == [post]  # "el" a stop word, "carro" a synonym
    assert meili.searches[-1]["locales"] == ["spa"]
    search_service.search(viewer, SearchQuery(q="coche"))
    assert "locales" not in meili.searches[-1]  # no language named: Meilisearch detects it


def test_on_postgres_a_page_writes_nothing_and_drift_is_zero(
        clean_stores: object, make_user: MakeUser, make_post: MakePost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_search_backend(monkeypatch, None)
    ann = make_user("ann")
    make_post(ann, "plain postgres #fts")
    assert reindex.index_page({"index": "posts", "after": None, "until": None}).upserted == 0
    report = drift.check()
    assert report["backend"] == "postgres"
    assert report["indexes"] == {"users": {"postgres": 1, "search": 1, "drift": 0},
                                 "posts": {"postgres": 1, "search": 1, "drift": 0},
                                 "hashtags": {"postgres": 1, "search": 1, "drift": 0}}
    assert repo.document_counts() == {"users": 1, "posts": 1, "hashtags": 1}


def test_make_reindex_draws_a_progress_bar_and_reports_drift(
        meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    ann = make_user("ann")
    for n in range(5):
        make_post(ann, f"note {n}")
    assert reindex.main() == 0
    out, err = capsys.readouterr()
    assert "[" + "#" * 30 + "] 100.0%  6/6 keys" in err  # 1 user and 5 posts
    assert "posts             5 upserted" in out
    assert "drift posts     postgres 5  meilisearch 5  drift 0" in out


def test_make_reindex_on_postgres_says_there_is_nothing_to_do(
        clean_stores: object, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_search_backend(monkeypatch, None)
    assert reindex.main() == 0
    assert "nothing to do" in capsys.readouterr().out
