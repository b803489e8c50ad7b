"""plaza.search on the real Postgres and Redis: matching, visibility, paging, highlights."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plaza import errors
from plaza.admin import service as admin
from plaza.identity.gateway import Caller
from plaza.posts import service as posts
from plaza.posts.models import PostEdit
from plaza.search import insights, service, suggest
from plaza.search.models import SearchQuery
from plaza.social import service as social
from plaza.stores import db
from tests.integration.search.conftest import MakePost, MakeUser, set_profile


def _search(viewer: str, q: str, **params: Any) -> Any:
    return service.search(viewer, SearchQuery(q=q, **params))


def _ids(page: Any) -> list[str]:
    return [getattr(item, "id", None) or item.tag for item in page.items]


def test_posts_match_by_word_stem_prefix_and_typo(make_user: MakeUser, make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    running = make_post(ada, "Running along the harbour at sunset #sunset")
    recipe = make_post(ada, "Slow roasted tomatoes with basil")
    assert _ids(_search(viewer, "harbour")) == [running]
    assert _ids(_search(viewer, "runs")) == [running]  # English stem: runs, running -> run
    assert _ids(_search(viewer, "tomat")) == [recipe]  # a prefix, as it is typed
    assert _ids(_search(viewer, "tomatos")) == [recipe]  # a typo: trigram similarity
    assert _search(viewer, "harbour basil").items == []  # every word must match
    assert _search(viewer, "submarine").items == []


def test_a_post_hit_carries_an_escaped_highlight_and_the_post(make_user: MakeUser,
                                                              make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    make_post(ada, "<b>Harbour</b> & boats")
    page = _search(viewer, "harbour")
    hit = page.items[0]
    assert hit.highlight == "&lt;b&gt;<mark>Harbour</mark>&lt;/b&gt; &amp; boats"
    assert hit.author.username == "ada" and hit.text == "<b>Harbour</b> & boats"
    assert page.estimated_total == 1 and page.next_cursor is None


def test_query_syntax_is_text_not_operators(make_user: MakeUser, make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    post = make_post(ada, "harbour lights")
    for q in ["harbour & !lights", "'); DROP TABLE posts; --", "harbour:* | x", "(harbour", "\\"]:
        page = _search(viewer, q)
        assert all(item.id == post for item in page.items), q
    assert _ids(_search(viewer, "harbour & | ! lights")) == [post]
    assert db.fetch_one("SELECT count(*) AS n FROM posts")["n"] == 1  # type: ignore[index]


def test_relevance_then_recency_and_keyset_pages_that_never_repeat(make_user: MakeUser,
                                                                  make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    made = [make_post(ada, f"kites number {n}") for n in range(7)]
    best = make_post(ada, "kites kites kites, all about kites")
    seen: list[str] = []
    cursor = None
    while True:
        page = _search(viewer, "kites", limit=3, cursor=cursor)
        assert page.estimated_total == 8  # counted for the first page, repeated after
        seen += _ids(page)
        if len(seen) == 3:
            make_post(ada, "kites written while paging")  # newer, but not after the cursor
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen[0] == best
    assert seen[1:8] == list(reversed(made))  # equal rank: newest first
    assert len(seen) == len(set(seen))


def test_filters_by_author_hashtag_and_time(make_user: MakeUser, make_post: MakePost) -> None:
    ada, bob, viewer = make_user("ada"), make_user("bob"), make_user("viewer")
    ada_post = make_post(ada, "sailing today #boats")
    bob_post = make_post(bob, "sailing tomorrow")
    assert _ids(_search(viewer, "sailing", author="ada")) == [ada_post]
    assert _ids(_search(viewer, "sailing", author="@BOB")) == [bob_post]
    assert _ids(_search(viewer, "sailing", hashtag="#Boats")) == [ada_post]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert _search(viewer, "sailing", since=future).items == []
    assert len(_search(viewer, "sailing", until=future).items) == 2


def test_edits_and_deletes_change_results_at_once(make_user: MakeUser, make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    post = make_post(ada, "a quiet lighthouse")
    posts.edit_post(ada, post, PostEdit(text="a noisy market"))
    assert _search(viewer, "lighthouse").items == []
    assert _ids(_search(viewer, "market")) == [post]
    posts.delete_post(ada, "user", post)
    assert _search(viewer, "market").items == []


def test_followers_only_posts_show_to_followers_and_the_author_only(
    make_user: MakeUser, make_post: MakePost,
) -> None:
    ada, fan, stranger = make_user("ada"), make_user("fan"), make_user("stranger")
    social.follow(fan, "ada")
    post = make_post(ada, "members only lighthouse", visibility="followers")
    assert _ids(_search(fan, "lighthouse")) == [post]
    assert _ids(_search(ada, "lighthouse")) == [post]
    assert _search(stranger, "lighthouse").items == []
    assert _search(stranger, "lighthouse").estimated_total == 0


@pytest.mark.parametrize("blocker", ["viewer", "author"])
def test_blocks_hide_people_and_posts_either_way(make_user: MakeUser, make_post: MakePost,
                                                 blocker: str) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    make_post(ada, "lighthouse at dawn #lighthouse")
    assert len(_search(viewer, "lighthouse").items) == 1
    if blocker == "viewer":
        social.block(viewer, "ada")
    else:
        social.block(ada, "viewer")
    assert _search(viewer, "lighthouse").items == []
    assert _search(viewer, "ada", type="users").items == []
    assert suggest.suggestions(viewer, "ad").items == []


def test_suspended_accounts_and_their_posts_disappear(make_user: MakeUser,
                                                     make_post: MakePost) -> None:
    ada, viewer, moderator = make_user("ada"), make_user("viewer"), make_user("mod")
    db.execute("UPDATE users SET role = 'moderator' WHERE id = %s", (moderator,))
    make_post(ada, "lighthouse at dawn #lighthouse")
    admin.suspend(Caller(moderator, "moderator", "device-0001", "s"), ada)
    assert _search(viewer, "lighthouse").items == []
    assert _search(viewer, "ada", type="users").items == []
    assert _search(viewer, "lighthouse", type="hashtags").items == []
    assert suggest.suggestions(viewer, "ad").items == []


def test_users_by_name_and_bio_with_highlight(make_user: MakeUser) -> None:
    viewer = make_user("viewer")
    ada = make_user("ada_lovelace")
    set_profile(ada, "Ada Lovelace", "Writes about analytical engines")
    make_user("grace")
    page = _search(viewer, "lovelace", type="users")
    assert _ids(page) == [ada]
    assert "<mark>Lovelace</mark>" in page.items[0].highlight
    assert _ids(_search(viewer, "engine", type="users")) == [ada]  # the bio, stemmed
    assert _ids(_search(viewer, "lovelase", type="users")) == [ada]  # a typo


def test_hashtags_with_counts(make_user: MakeUser, make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    make_post(ada, "#sunset one")
    make_post(ada, "#sunset two #sunrise")
    make_post(ada, "#sunsetter secret", visibility="followers")
    page = _search(viewer, "sunset", type="hashtags")
    assert [(hit.tag, hit.post_count) for hit in page.items] == [("sunset", 2)]
    assert page.items[0].highlight == "<mark>sunset</mark>"


def test_spanish_query_finds_synonyms_and_ignores_stop_words(make_user: MakeUser,
                                                             make_post: MakePost) -> None:
    ana, viewer = make_user("ana"), make_user("viewer")
    car = make_post(ana, "Mi carro nuevo es rojo")
    beach = make_post(ana, "Tarde de playa con amigos")
    # "coche" is a synonym of "carro"; "el" and "de" are Spanish stop words, not required words.
    assert _ids(_search(viewer, "el coche", lang="es")) == [car]
    assert _ids(_search(viewer, "costa de la tarde", lang="es")) == [beach]
    page = _search(viewer, "el coche", lang="es")
    assert page.items[0].highlight == "Mi <mark>carro</mark> nuevo es rojo"
    # Accents are ignored both ways.
    assert _ids(_search(viewer, "cóche nuévo", lang="es")) == [car]


def test_suggestions_are_prefixes_users_first_then_hashtags(make_user: MakeUser,
                                                            make_post: MakePost) -> None:
    viewer = make_user("viewer")
    sunny = make_user("sunny")
    make_post(sunny, "#sunset and #sunflowers")
    items = suggest.suggestions(viewer, "sun").items
    assert [(item.type, item.id, item.label) for item in items] == [
        ("user", sunny, "@sunny"), ("hashtag", "sunflowers", "#sunflowers"),
        ("hashtag", "sunset", "#sunset")]
    assert [item.label for item in suggest.suggestions(viewer, "#suns").items] == ["#sunset"]
    assert suggest.suggestions(viewer, "%").items == []  # LIKE wildcards are text


def test_a_cursor_that_is_not_ours_is_invalid(make_user: MakeUser) -> None:
    viewer = make_user("viewer")
    for bad in ["nope", "dHxub3R8YS1udW1iZXJ8eA"]:
        with pytest.raises(errors.Invalid):
            _search(viewer, "x", cursor=bad)


def test_searches_are_counted_as_normalised_trending_queries(make_user: MakeUser) -> None:
    viewer = make_user("viewer")
    for q in ["Café  Lights", "cafe lights", "boats"]:
        _search(viewer, q)
    top = insights.trending().items
    assert [(item.query, item.count) for item in top] == [("cafe lights", 2), ("boats", 1)]
