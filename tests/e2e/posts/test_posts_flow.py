"""Posts through the stack, behind the gateway authorizer, the way an app calls them:
create -> get -> like -> comment, idempotent creates, the edit window, deletion, concurrent
likes, and problem+json for bad input."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(deployment: Deployment) -> Iterator[Callable[[str], SignedInApp]]:
    suffix = uuid.uuid4().hex[:8]
    made: list[SignedInApp] = []

    def make(name: str) -> SignedInApp:
        made.append(SignedInApp(deployment, f"{name}_{suffix}"))
        return made[-1]

    yield make
    for each in made:
        each.close()


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return dict(response.json())


def test_create_get_like_comment(app: Callable[[str], SignedInApp]) -> None:
    ann, bob = app("ann"), app("bob")
    created = ann.http.post("/v1/posts", json={
        "text": f"Hello @{bob.username} #E2E", "visibility": "public"})
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["hashtags"] == ["e2e"]
    assert [m["username"] for m in post["mentions"]] == [bob.username]
    path = f"/v1/posts/{post['id']}"

    assert bob.http.get(path).json()["text"] == post["text"]
    assert bob.http.put(f"{path}/like").status_code == 204
    assert bob.http.put(f"{path}/like").status_code == 204
    comment = bob.http.post(f"{path}/comments", json={"text": "nice"})
    assert comment.status_code == 201, comment.text

    seen = bob.http.get(path).json()
    assert (seen["like_count"], seen["comment_count"], seen["liked_by_me"]) == (1, 1, True)
    comments = ann.http.get(f"{path}/comments", params={"limit": 10}).json()
    assert [c["text"] for c in comments["items"]] == ["nice"]
    mine = bob.http.get(f"/v1/users/{ann.username}/posts").json()
    assert [p["id"] for p in mine["items"]] == [post["id"]]


def test_followers_only_posts_and_blocks(app: Callable[[str], SignedInApp]) -> None:
    ann, fan, stranger = app("ann"), app("fan"), app("stranger")
    assert fan.http.put(f"/v1/users/{ann.username}/follow").status_code == 204
    created = ann.http.post("/v1/posts", json={"text": "friends only #inner",
                                               "visibility": "followers"})
    path = f"/v1/posts/{created.json()['id']}"
    assert fan.http.get(path).status_code == 200
    _problem(stranger.http.get(path), 404)
    assert stranger.http.get(f"/v1/users/{ann.username}/posts").json()["items"] == []

    assert ann.http.put(f"/v1/users/{fan.username}/block").status_code == 204
    _problem(fan.http.get(path), 404)
    _problem(fan.http.get(f"/v1/users/{ann.username}/posts"), 404)
    assert fan.http.get("/v1/hashtags/inner/posts").json()["items"] == []


def test_an_idempotent_create_makes_one_post(app: Callable[[str], SignedInApp]) -> None:
    ann = app("ann")
    key = {"idempotency-key": uuid.uuid4().hex}
    body = {"text": "exactly once"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: ann.http.post("/v1/posts", json=body, headers=key),
                                 range(2))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    again = ann.http.post("/v1/posts", json=body, headers=key)
    assert again.headers["idempotent-replayed"] == "true"
    _problem(ann.http.post("/v1/posts", json={"text": "another"}, headers=key), 409)
    assert len(ann.http.get("/v1/users/me/posts").json()["items"]) == 1


def test_edit_within_the_window_then_409_after_it(app: Callable[[str], SignedInApp],
                                                  stores: EmbeddedStores) -> None:
    ann, bob = app("ann"), app("bob")
    post_id = ann.post("draft #one")
    path = f"/v1/posts/{post_id}"
    _problem(bob.http.patch(path, json={"text": "not mine"}), 403)
    edited = ann.http.patch(path, json={"text": "final #two"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["edited"], edited.json()["hashtags"]) == (True, ["two"])
    assert bob.http.get(path).json()["text"] == "final #two"

    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        conn.execute("UPDATE posts SET created_at = created_at - interval '16 minutes'"
                     " WHERE id = %s", (post_id,))
    problem = _problem(ann.http.patch(path, json={"text": "too late"}), 409)
    assert problem["type"].endswith("/edit-window-closed")


def test_a_deleted_post_is_gone(app: Callable[[str], SignedInApp]) -> None:
    ann, bob = app("ann"), app("bob")
    post_id = ann.post("short-lived #gone")
    path = f"/v1/posts/{post_id}"
    assert bob.http.get(path).status_code == 200
    _problem(bob.http.delete(path), 403)
    assert ann.http.delete(path).status_code == 204
    _problem(bob.http.get(path), 404)
    _problem(bob.http.put(f"{path}/like"), 404)
    assert bob.http.get(f"/v1/users/{ann.username}/posts").json()["items"] == []
    tagged = bob.http.get("/v1/hashtags/gone/posts").json()["items"]
    assert post_id not in [p["id"] for p in tagged]


def test_50_concurrent_likes_and_unlikes_leave_the_exact_count(
        app: Callable[[str], SignedInApp]) -> None:
    author = app("author")
    fans = [app(f"fan{i}") for i in range(25)]
    post_id = author.post("like me")
    path = f"/v1/posts/{post_id}/like"
    for fan in fans[:10]:
        assert fan.http.put(path).status_code == 204

    # 10 fans unlike and 15 like, each twice, all 50 requests at once.
    requests = [(fan, "DELETE" if i < 10 else "PUT") for i, fan in enumerate(fans)] * 2
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        statuses = list(pool.map(lambda r: r[0].http.request(r[1], path).status_code, requests))

    assert statuses == [204] * 50
    assert author.http.get(f"/v1/posts/{post_id}").json()["like_count"] == 15


@pytest.mark.parametrize(("body", "status"), [
    ("{not json", 400),
    ({"text": "x" * 5001}, 422),
    ({"text": "ok", "media_ids": [str(i) for i in range(11)]}, 422),
    ({"text": "ok", "visibility": "everyone"}, 422),
    ({}, 422),
])
def test_bad_input_is_a_problem(app: Callable[[str], SignedInApp], body: object,
                                status: int) -> None:
    ann = app("ann")
    if isinstance(body, str):
        response = ann.http.post("/v1/posts", content=body,
                                 headers={"content-type": "application/json"})
    else:
        response = ann.http.post("/v1/posts", json=body)
    _problem(response, status)
