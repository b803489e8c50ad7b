"""The posts functions invoked as Lambda would, with API Gateway events carrying the authorizer's
caller: status codes, headers, problem+json for bad input, and the sample events in events/posts/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.identity import repo as identity_repo
from plaza.stores import cache, db
from tests.support.concurrency import at_once
from tests.support.lambdas import FakeContext, http_event, json_of, load_event, load_function, problem_of

Call = Callable[..., dict[str, Any]]


def _user(username: str, role: str = "user") -> dict[str, str]:
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(), "x")
    return {"user_id": str(row["id"]), "role": role, "device_id": "device-0001",
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


@pytest.fixture
def call(clean_stores: EmbeddedStores) -> Call:
    """call(action, method, path, caller, body=..., query=..., params=..., headers=...)."""
    cache.reset()
    modules: dict[str, Any] = {}

    def invoke(action: str, method: str, path: str, caller: dict[str, str], *, body: Any = None,
               query: dict[str, str] | None = None, params: dict[str, str] | None = None,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
        if action not in modules:
            modules[action] = load_function(f"functions/posts/{action}.py")
        event = http_event(method, path, body=body, query=query, authorizer=caller,
                           path_params=params, headers=headers)
        return modules[action].handler(event, FakeContext())

    return invoke


def test_create_get_like_comment_and_page(call: Call) -> None:
    ann, bob = _user("ann"), _user("bob")
    created = call("create", "POST", "/v1/posts", ann,
                   body={"text": "hello #World @bob", "visibility": "public"})
    assert created["statusCode"] == 201
    post = json_of(created)
    assert created["headers"]["location"] == f"/v1/posts/{post['id']}"
    assert (post["hashtags"], [m["username"] for m in post["mentions"]]) == (["world"], ["bob"])
    ids = {"id": post["id"]}

    assert call("like", "PUT", "/x", bob, params=ids)["statusCode"] == 204
    assert call("comment", "POST", "/x", bob, params=ids, body={"text": "hi"})["statusCode"] == 201
    seen = json_of(call("get", "GET", "/x", bob, params=ids))
    assert (seen["like_count"], seen["comment_count"], seen["liked_by_me"]) == (1, 1, True)
    assert call("unlike", "DELETE", "/x", bob, params=ids)["statusCode"] == 204

    comments = json_of(call("comments", "GET", "/x", ann, params=ids, query={"limit": "5"}))
    assert [c["text"] for c in comments["items"]] == ["hi"]
    by_user = json_of(call("user_posts", "GET", "/x", bob, params={"username": "ann"}))
    assert [p["id"] for p in by_user["items"]] == [post["id"]]
    by_tag = json_of(call("hashtag_posts", "GET", "/x", bob, params={"tag": "WORLD"}))
    assert [p["id"] for p in by_tag["items"]] == [post["id"]]


def test_an_idempotent_replay_says_so_and_another_body_is_409(call: Call) -> None:
    ann = _user("ann")
    key = {"Idempotency-Key": "k-123"}
    first = call("create", "POST", "/v1/posts", ann, body={"text": "once"}, headers=key)
    again = call("create", "POST", "/v1/posts", ann, body={"text": "once"}, headers=key)
    assert (first["statusCode"], again["statusCode"]) == (201, 201)
    assert json_of(first) == json_of(again)
    assert again["headers"]["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first["headers"]
    problem_of(call("create", "POST", "/v1/posts", ann, body={"text": "other"}, headers=key), 409)


def test_a_comment_with_an_idempotency_key_is_stored_once_whoever_retries_it(call: Call) -> None:
    ann, bob = _user("ann"), _user("bob")
    ids = {"id": json_of(call("create", "POST", "/v1/posts", ann, body={"text": "talk"}))["id"]}
    key = {"Idempotency-Key": "comment-1"}

    def comment(text: str = "hi", caller: dict[str, str] = bob) -> dict[str, Any]:
        return call("comment", "POST", "/x", caller, params=ids, body={"text": text}, headers=key)

    comment("warm", ann)  # loads the function once, before the threads race for it
    answers = at_once([comment] * 4)
    assert [answer["statusCode"] for answer in answers] == [201] * 4
    assert sorted(answer["headers"].get("idempotent-replayed", "") for answer in answers) == [
        "", "true", "true", "true"]
    assert len({json_of(answer)["id"] for answer in answers}) == 1
    stored = db.fetch_one("SELECT count(*) AS n FROM comments WHERE author_id = %s",
                          (bob["user_id"],))
    assert stored == {"n": 1}
    problem_of(comment("another text"), 409)
    # A key names one request: the same key on another route is not a retry of it.
    problem_of(call("create", "POST", "/v1/posts", bob, body={"text": "hi"}, headers=key), 409)


@pytest.mark.parametrize(("body", "field"), [
    ({"text": "x" * 5001}, "body.text"),
    ({"text": "   "}, "body.text"),
    ({"text": "ok", "media_ids": [str(i) for i in range(11)]}, "body.media_ids"),
    ({"text": "ok", "visibility": "friends"}, "body.visibility"),
    ({"text": "ok", "reply_to": "not-a-uuid"}, "body.reply_to"),
    ({"text": "ok", "reply_to": "3f9c2b7e-1d4a-4e8b-9c6f-2a5d7e1b8c40"}, "body.reply_to"),
    ({"text": "ok", "extra": 1}, "body.extra"),
])
def test_bad_posts_are_422_naming_the_field(call: Call, body: dict[str, Any], field: str) -> None:
    problem = problem_of(call("create", "POST", "/v1/posts", _user("ann"), body=body), 422)
    assert field in [error["field"] for error in problem["errors"]]


def test_a_body_that_is_not_json_is_400(call: Call) -> None:
    problem_of(call("create", "POST", "/v1/posts", _user("ann"), body="{not json"), 400)


def test_a_comment_over_2000_characters_is_422(call: Call) -> None:
    ann = _user("ann")
    post = json_of(call("create", "POST", "/v1/posts", ann, body={"text": "x"}))
    problem_of(call("comment", "POST", "/x", ann, params={"id": post["id"]},
                  body={"text": "y" * 2001}), 422)


def test_edit_is_for_the_author_and_delete_for_the_author_or_a_moderator(call: Call) -> None:
    ann, bob, mod = _user("ann"), _user("bob"), _user("mod", role="moderator")
    post = json_of(call("create", "POST", "/v1/posts", ann, body={"text": "v1"}))
    ids = {"id": post["id"]}

    problem_of(call("edit", "PATCH", "/x", bob, params=ids, body={"text": "v2"}), 403)
    edited = json_of(call("edit", "PATCH", "/x", ann, params=ids, body={"text": "v2"}))
    assert (edited["text"], edited["edited"]) == ("v2", True)

    problem_of(call("delete", "DELETE", "/x", bob, params=ids), 403)
    assert call("delete", "DELETE", "/x", mod, params=ids)["statusCode"] == 204
    problem_of(call("get", "GET", "/x", ann, params=ids), 404)


def test_unknown_or_malformed_ids_and_cursors_are_problems(call: Call) -> None:
    ann = _user("ann")
    problem_of(call("get", "GET", "/x", ann, params={"id": "nope"}), 404)
    problem_of(call("like", "PUT", "/x", ann,
                  params={"id": "3f9c2b7e-1d4a-4e8b-9c6f-2a5d7e1b8c40"}), 404)
    problem_of(call("user_posts", "GET", "/x", ann, params={"username": "ann"},
                  query={"cursor": "garbage!"}), 422)
    problem_of(call("user_posts", "GET", "/x", ann, params={"username": "ann"},
                  query={"limit": "101"}), 422)


# The sample events' caller has no account and their post does not exist.
SAMPLE_STATUS = {"create": 401, "get": 404, "edit": 404, "delete": 404, "like": 404,
                 "unlike": 404, "comment": 404, "comments": 404, "user_posts": 404,
                 "hashtag_posts": 200}


@pytest.mark.parametrize("name", sorted(SAMPLE_STATUS))
def test_sample_events_get_an_answer_not_a_crash(call: Call, name: str) -> None:
    module = load_function(f"functions/posts/{name}.py")
    result = module.handler(load_event(f"posts/{name}.json"), FakeContext())
    assert result["statusCode"] == SAMPLE_STATUS[name], result


def test_the_scheduled_sweep_answers_its_sample_event_with_the_count(call: Call) -> None:
    module = load_function("functions/posts/sweep_idempotency_keys.py")
    assert module.handler(load_event("posts/sweep_idempotency_keys.json"), FakeContext()) == {
        "deleted": 0}
