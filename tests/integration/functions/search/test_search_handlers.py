"""The search functions invoked as Lambda would: 200 pages, 422 problem+json for bad input, the
public trending route, and the SearchIndexQueue consumer against Meilisearch (the faithful fake)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from plaza.posts import service as posts
from plaza.stores import db
from tests.integration.search.conftest import MakePost, MakeUser
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.lambdas import FakeContext, http_event, load_function
from tests.support.search_backend import meilisearch_in_use


def _caller(user_id: str) -> dict[str, str]:
    return {"user_id": user_id, "role": "user", "device_id": "device-0001",
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


def _get(route: str, path: str, viewer: str | None, **query: str) -> dict[str, Any]:
    handler = load_function(f"functions/search/{route}.py").handler
    return handler(http_event("GET", path, query=query,
                              authorizer=_caller(viewer) if viewer else None), FakeContext())


def test_search_answers_a_page_with_highlights(make_user: MakeUser, make_post: MakePost) -> None:
    ada, viewer = make_user("ada"), make_user("viewer")
    post = make_post(ada, "Harbour <lights> #harbour")
    answer = _get("search", "/v1/search", viewer, q="harbour", type="posts", limit="5")
    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    assert [item["id"] for item in body["items"]] == [post]
    assert body["items"][0]["highlight"] == ("<mark>Harbour</mark> &lt;lights&gt;"
                                             " #<mark>harbour</mark>")
    assert body["next_cursor"] is None and body["estimated_total"] == 1
    users = json.loads(_get("search", "/v1/search", viewer, q="ada", type="users")["body"])
    assert [item["username"] for item in users["items"]] == ["ada"]
    tags = json.loads(_get("search", "/v1/search", viewer, q="harb", type="hashtags")["body"])
    assert [(item["tag"], item["post_count"]) for item in tags["items"]] == [("harbour", 1)]


@pytest.mark.parametrize("query", [
    {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "x", "type": "places"},
    {"q": "x", "limit": "0"}, {"q": "x", "limit": "51"}, {"q": "x", "cursor": "bm90LWEtY3Vyc29y"},
    {"q": "x", "lang": "fr"}, {"type": "posts"},
])
def test_bad_search_input_is_a_422_problem(make_user: MakeUser, query: dict[str, str]) -> None:
    answer = _get("search", "/v1/search", make_user("viewer"), **query)
    assert answer["statusCode"] == 422, query
    assert answer["headers"]["content-type"] == "application/problem+json"


def test_suggestions_and_their_bad_input(make_user: MakeUser) -> None:
    viewer = make_user("viewer")
    sunny = make_user("sunny")
    answer = _get("suggestions", "/v1/search/suggestions", viewer, q="su")
    assert json.loads(answer["body"]) == {
        "items": [{"type": "user", "id": sunny, "label": "@sunny"}]}
    assert _get("suggestions", "/v1/search/suggestions", viewer, q="")["statusCode"] == 422
    assert _get("suggestions", "/v1/search/suggestions", None, q="su")["statusCode"] == 401


def test_trending_queries_are_public(make_user: MakeUser) -> None:
    viewer = make_user("viewer")
    _get("search", "/v1/search", viewer, q="Harbour  Lights")
    answer = _get("trending", "/v1/search/trending", None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"items": [{"query": "harbour lights", "count": 1}]}


# -- the SearchIndexQueue consumer --------------------------------------------------------------

@pytest.fixture
def meili(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeilisearch]:
    with meilisearch_in_use(monkeypatch) as fake:
        yield fake


def _records(*bodies: Any) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m{n}", "body": body if isinstance(body, str)
                         else json.dumps(body)} for n, body in enumerate(bodies)]}


def _consume(*bodies: Any) -> dict[str, Any]:
    handler = load_function("functions/search/index.py").handler
    result: dict[str, Any] = handler(_records(*bodies), FakeContext())
    return result


def test_the_consumer_has_nothing_to_do_on_postgres(make_user: MakeUser,
                                                    make_post: MakePost) -> None:
    post = make_post(make_user("ada"), "hello")
    assert _consume({"kind": "post", "action": "index", "post_id": post}) == {"batchItemFailures": []}
    assert db.fetch_one("SELECT count(*) AS n FROM search_sync_versions")["n"] == 0  # type: ignore[index]


def test_the_consumer_upserts_and_deletes_meilisearch_documents(
    meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost,
) -> None:
    ada = make_user("ada")
    post = make_post(ada, "harbour at dawn #harbour")
    assert _consume({"kind": "post", "action": "index", "post_id": post},
                    {"kind": "user", "action": "index", "id": ada},
                    {"kind": "hashtag", "action": "index", "tag": "harbour"}) \
        == {"batchItemFailures": []}
    doc = meili.indexes["posts"]["documents"][post]
    assert doc["text"] == "harbour at dawn #harbour" and doc["author_username"] == "ada"
    assert meili.indexes["users"]["documents"][ada]["username"] == "ada"
    assert meili.indexes["hashtags"]["documents"][b"harbour".hex()]["post_count"] == 1
    first_version = doc["version"]
    # A late event re-reads the current state: the edit wins, the version only grows.
    db.execute("UPDATE posts SET text = 'harbour at dusk', edited_at = now() WHERE id = %s", (post,))
    _consume({"kind": "post", "action": "index", "post_id": post})
    doc = meili.indexes["posts"]["documents"][post]
    assert doc["text"] == "harbour at dusk" and doc["version"] > first_version
    # Deleted, or its author suspended: an "index" event removes the document.
    posts.delete_post(ada, "user", post)
    _consume({"kind": "post", "action": "index", "post_id": post})
    assert post not in meili.indexes["posts"]["documents"]
    db.execute("UPDATE users SET status = 'suspended' WHERE id = %s", (ada,))
    _consume({"kind": "user", "action": "index", "id": ada})
    assert ada not in meili.indexes["users"]["documents"]


def test_the_consumer_drops_bad_messages_and_reports_failures_for_retry(
    meili: FakeMeilisearch, make_user: MakeUser, make_post: MakePost,
) -> None:
    post = make_post(make_user("ada"), "hello")
    dropped = _consume("not json", {"kind": "planet", "id": post}, {"kind": "post"},
                       {"kind": "post", "post_id": "1; DROP TABLE posts"})
    assert dropped == {"batchItemFailures": []}
    meili.stop()
    failed = _consume({"kind": "post", "action": "index", "post_id": post}, "[]")
    assert failed == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_insights_for_moderators_count_popular_and_zero_result_queries(
    make_user: MakeUser, make_post: MakePost,
) -> None:
    viewer = make_user("viewer")
    make_post(make_user("ada"), "harbour lights")
    for q in ["Harbour", "harbour", "submarine"]:
        _get("search", "/v1/search", viewer, q=q)
    handler = load_function("functions/search/insights.py").handler
    path = "/v1/admin/search/insights"
    as_user = handler(http_event("GET", path, authorizer=_caller(viewer)), FakeContext())
    assert as_user["statusCode"] == 403
    moderator = {**_caller(viewer), "role": "moderator"}
    answer = handler(http_event("GET", path, authorizer=moderator), FakeContext())
    assert answer["statusCode"] == 200
    (today,) = json.loads(answer["body"])["days"]
    assert today["popular"] == [{"query": "harbour", "count": 2}, {"query": "submarine", "count": 1}]
    assert today["zero_results"] == [{"query": "submarine", "count": 1}]
    for query in ({"from": "2026-12-06", "to": "2026-12-05"}, {"from": "2026-01-01",
                  "to": "2026-03-01"}, {"from": "yesterday"}):
        bad = handler(http_event("GET", path, query=query, authorizer=moderator), FakeContext())
        assert bad["statusCode"] == 422, query
