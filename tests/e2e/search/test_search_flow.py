"""Search through the stack: posts, people and hashtags found as typed; edits, deletes and blocks
take effect at once; bad input is a 422 problem; trending queries are public."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment

pytestmark = pytest.mark.e2e
Pair = tuple[SignedInApp, SignedInApp]


@pytest.fixture
def apps(deployment: Deployment) -> Iterator[Pair]:
    suffix = uuid.uuid4().hex[:8]
    users = (SignedInApp(deployment, f"sea_{suffix}"), SignedInApp(deployment, f"sky_{suffix}"))
    yield users
    for app in users:
        app.close()


def _word() -> str:
    return f"zq{uuid.uuid4().hex[:10]}"  # a word no other test writes


def _found(app: SignedInApp, q: str, kind: str = "posts") -> list[str]:
    answer = app.http.get("/v1/search", params={"q": q, "type": kind})
    assert answer.status_code == 200, answer.text
    key = {"posts": "id", "users": "username", "hashtags": "tag"}[kind]
    return [item[key] for item in answer.json()["items"]]


def test_a_post_is_found_by_word_and_prefix_with_a_highlight(apps: Pair) -> None:
    sea, sky = apps
    word = _word()
    post = sea.post(f"Lanterns on the {word} <pier> #{word}")
    answer = sky.http.get("/v1/search", params={"q": word[:8], "type": "posts"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [item["id"] for item in body["items"]] == [post]
    assert body["items"][0]["highlight"] == (f"Lanterns on the <mark>{word}</mark> &lt;pier&gt;"
                                             f" #<mark>{word}</mark>")
    assert _found(sky, word, "hashtags") == [word]
    assert sea.username in _found(sky, sea.username, "users")
    suggestions = sky.http.get("/v1/search/suggestions", params={"q": sea.username})
    assert [item["label"] for item in suggestions.json()["items"]] == [f"@{sea.username}"]


def test_edits_deletes_and_blocks_disappear_from_results(apps: Pair) -> None:
    sea, sky = apps
    old, new = _word(), _word()
    post = sea.post(f"first draft {old}")
    assert _found(sky, old) == [post]
    edited = sea.http.patch(f"/v1/posts/{post}", json={"text": f"second draft {new}"})
    assert edited.status_code == 200, edited.text
    assert _found(sky, old) == [] and _found(sky, new) == [post]
    assert sea.http.put(f"/v1/users/{sky.username}/block").status_code == 204
    assert _found(sky, new) == []
    assert sea.username not in _found(sky, sea.username, "users")
    assert sea.http.delete(f"/v1/users/{sky.username}/block").status_code == 204
    assert _found(sky, new) == [post]
    assert sea.http.delete(f"/v1/posts/{post}").status_code == 204
    assert _found(sky, new) == []


def test_bad_input_is_a_422_problem_and_trending_is_public(apps: Pair,
                                                           deployment: Deployment) -> None:
    sea, _ = apps
    for params in ({"q": ""}, {"q": "x" * 201}, {"q": "x", "type": "places"},
                   {"q": "x", "cursor": "not-ours"}):
        answer = sea.http.get("/v1/search", params=params)
        assert answer.status_code == 422, params
        assert answer.headers["content-type"] == "application/problem+json"
    word = _word()
    sea.http.get("/v1/search", params={"q": word.upper()})
    anonymous = deployment.client()
    try:
        trending = anonymous.get("/v1/search/trending")
    finally:
        anonymous.close()
    assert trending.status_code == 200, trending.text
    assert all(set(item) == {"query", "count"} for item in trending.json()["items"])
    insights = sea.http.get("/v1/admin/search/insights")
    assert insights.status_code == 403, insights.text  # moderators only
    assert insights.headers["content-type"] == "application/problem+json"
