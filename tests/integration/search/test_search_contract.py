"""One contract, both backends: Postgres full-text search, and Meilisearch (the faithful fake of
its documented routes) ranking with Postgres deciding visibility. Then the fallback: a failing
Meilisearch is answered from Postgres in the same request, skipped for 30 s, and counted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from plaza.posts import service as posts
from plaza.posts.models import PostEdit
from plaza.search import index_settings, service, sync
from plaza.search.models import SearchQuery
from plaza.social import service as social
from plaza.stores import db, search
from tests.integration.search.conftest import MakePost, MakeUser
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.search_backend import use_search_backend

Sync = Callable[[], None]


@pytest.fixture(params=["postgres", "meilisearch"])
def backend(request: pytest.FixtureRequest, clean_stores: object,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch | None]:
    fake = FakeMeilisearch().start() if request.param == "meilisearch" else None
    use_search_backend(monkeypatch, fake)
    yield fake
    if fake is not None:
        # Served by Meilisearch throughout: no failure fell back to Postgres unnoticed.
        assert search.backend().meili_down_until == 0.0
        fake.stop()
    search.reset()
    index_settings.forget_applied()


@pytest.fixture
def synced(backend: FakeMeilisearch | None) -> Sync:
    """What the index events would do: a no-op on Postgres, a reindex into Meilisearch."""

    def run() -> None:
        if backend is not None:
            sync.reindex()

    return run


def _ids(viewer: str, q: str, **params: Any) -> list[str]:
    page = service.search(viewer, SearchQuery(q=q, **params))
    return [getattr(item, "id", None) or item.tag for item in page.items]


def test_words_and_prefixes_every_word_required(backend: Any, synced: Sync, make_user: MakeUser,
                                                make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    harbour = make_post(ada, "Sunset over the harbour #golden")
    run = make_post(ada, "Morning run along the harbour wall")
    synced()
    assert sorted(_ids(viewer, "harbour")) == sorted([harbour, run])
    assert _ids(viewer, "harbour sun") == [harbour]
    assert _ids(viewer, "harbour submarine") == []
    assert _ids(viewer, "ada", type="users") == [ada]
    assert _ids(viewer, "gold", type="hashtags") == ["golden"]


def test_what_the_viewer_may_not_see_never_comes_back(backend: Any, synced: Sync,
                                                      make_user: MakeUser,
                                                      make_post: MakePost) -> None:
    ada, bob, viewer = make_user("ada"), make_user("bob"), make_user("viewer")
    deleted = make_post(ada, "lighthouse one")
    private = make_post(ada, "lighthouse two", visibility="followers")
    blocked = make_post(bob, "lighthouse three")
    kept = make_post(ada, "lighthouse four")
    synced()
    posts.delete_post(ada, "user", deleted)
    social.block(bob, "viewer")
    assert _ids(viewer, "lighthouse") == [kept]
    social.follow(viewer, "ada")
    assert sorted(_ids(viewer, "lighthouse")) == sorted([private, kept])
    db.execute("UPDATE users SET status = 'suspended' WHERE id = %s", (ada,))
    assert _ids(viewer, "lighthouse") == []
    assert _ids(bob, "lighthouse") == [blocked]  # his own, and nobody's across the block
    assert _ids(viewer, "bob", type="users") == []


def test_edits_return_the_current_post(backend: Any, synced: Sync, make_user: MakeUser,
                                       make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    post = make_post(ada, "market day")
    synced()
    posts.edit_post(ada, post, PostEdit(text="market night"))
    page = service.search(viewer, SearchQuery(q="market"))
    assert [item.text for item in page.items] == ["market night"]
    assert page.items[0].highlight == "<mark>market</mark> night"


def test_pages_are_full_and_never_repeat(backend: Any, synced: Sync, make_user: MakeUser,
                                         make_post: MakePost) -> None:
    ada, bob, viewer = make_user("ada"), make_user("bob"), make_user("viewer")
    visible = [make_post(ada, f"kites {n}") for n in range(5)]
    for n in range(4):
        make_post(bob, f"kites hidden {n}")
    synced()
    social.block(viewer, "bob")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = service.search(viewer, SearchQuery(q="kites", limit=2, cursor=cursor))
        assert len(page.items) == 2 or page.next_cursor is None
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(visible)


def test_filters_by_author_and_hashtag(backend: Any, synced: Sync, make_user: MakeUser,
                                       make_post: MakePost) -> None:
    ada, bob, viewer = make_user("ada"), make_user("bob"), make_user("viewer")
    ada_post = make_post(ada, "sailing #boats")
    make_post(bob, "sailing too")
    synced()
    assert _ids(viewer, "sailing", author="ada") == [ada_post]
    assert _ids(viewer, "sailing", hashtag="boats") == [ada_post]


def test_a_spanish_query_finds_its_synonym_and_ignores_its_stop_words(
    backend: Any, synced: Sync, make_user: MakeUser, make_post: MakePost,
) -> None:
    ana, viewer = make_user("ana"), make_user("viewer")
    car = make_post(ana, "Mi carro nuevo")
    synced()
    assert _ids(viewer, "el coche", lang="es") == [car]
    assert _ids(viewer, "la playa", lang="es") == []


# -- fallback ---------------------------------------------------------------------------------

def test_a_failing_meilisearch_is_answered_from_postgres_and_skipped_for_30_s(
    clean_stores: object, monkeypatch: pytest.MonkeyPatch, make_user: MakeUser,
    make_post: MakePost, capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakeMeilisearch().start()
    use_search_backend(monkeypatch, fake)
    try:
        ada, viewer = make_user("ada"), make_user("viewer")
        post = make_post(ada, "harbour lights")
        sync.reindex()
        assert _ids(viewer, "harbour") == [post]
        assert ("POST", "/indexes/posts/search") in fake.requests
        fake.stop()
        assert _ids(viewer, "harbour") == [post]  # the same request, from Postgres
        assert '"SearchFallback"' in capsys.readouterr().out
        assert search.backend().meili_down_until > 0
        assert _ids(viewer, "harbour") == [post]  # cooling down: not tried again
        assert '"SearchFallback"' not in capsys.readouterr().out
    finally:
        search.reset()
        index_settings.forget_applied()
