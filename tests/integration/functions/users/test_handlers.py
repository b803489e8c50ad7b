"""The users functions invoked as Lambda would, with API Gateway events carrying the authorizer's
caller: status codes, problem+json for bad input, and the sample events in events/users/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.identity import repo as identity_repo
from plaza.stores import db
from tests.support.lambdas import FakeContext, http_event, json_of, load_event, load_function, problem_of
from tests.support.media import ready_media

Call = Callable[..., dict[str, Any]]


def _user(username: str) -> dict[str, str]:
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(), "x")
    return {"user_id": str(row["id"]), "role": "user", "device_id": "device-0001",
            "session_id": "6d2e9a41-3c7b-4f58-8e10-a94b2c6d7f35"}


@pytest.fixture
def call(clean_stores: EmbeddedStores) -> Call:
    """call(action, method, path, caller, body=..., query=..., username=...) -> the Lambda result."""
    modules: dict[str, Any] = {}

    def invoke(action: str, method: str, path: str, caller: dict[str, str] | None, *,
               body: Any = None, query: dict[str, str] | None = None,
               username: str | None = None, route: str | None = None) -> dict[str, Any]:
        if action not in modules:
            modules[action] = load_function(f"functions/users/{action}.py")
        event = http_event(method, path, body=body, query=query, authorizer=caller,
                           path_params={"username": username} if username is not None else None,
                           route_key=route)
        return modules[action].handler(event, FakeContext())

    return invoke


def test_follow_then_profile_shows_the_counts_and_followed_by_me(call: Call) -> None:
    alice, bob = _user("alice"), _user("bob")
    for _ in range(2):
        result = call("follow", "PUT", "/v1/users/bob/follow", alice, username="bob")
        assert (result["statusCode"], result["body"]) == (204, "")
        assert result["headers"]["ratelimit-limit"] == "100"  # the core group, per user
    profile = json_of(call("profile", "GET", "/v1/users/bob", alice, username="bob"))
    assert (profile["follower_count"], profile["following_count"]) == (1, 0)
    assert profile["followed_by_me"] is True and "email" not in profile
    assert json_of(call("profile", "GET", "/v1/users/alice", bob, username="alice"))["follows_me"]
    assert call("unfollow", "DELETE", "/v1/users/bob/follow", alice, username="bob")["statusCode"] == 204
    assert json_of(call("profile", "GET", "/v1/users/bob", alice, username="bob"))["follower_count"] == 0


def test_block_is_204_and_turns_the_profile_into_a_404_both_ways(call: Call) -> None:
    alice, bob = _user("alice"), _user("bob")
    call("follow", "PUT", "/v1/users/alice/follow", bob, username="alice")
    assert call("block", "PUT", "/v1/users/bob/block", alice, username="bob")["statusCode"] == 204
    problem_of(call("profile", "GET", "/v1/users/alice", bob, username="alice"), 404)
    problem_of(call("profile", "GET", "/v1/users/bob", alice, username="bob"), 404)
    problem_of(call("follow", "PUT", "/v1/users/alice/follow", bob, username="alice"), 404)
    problem_of(call("followers", "GET", "/v1/users/alice/followers", bob, username="alice"), 404)
    blocks = json_of(call("blocks", "GET", "/v1/users/me/blocks", alice))
    assert [item["username"] for item in blocks["items"]] == ["bob"]
    assert call("unblock", "DELETE", "/v1/users/bob/block", alice, username="bob")["statusCode"] == 204
    assert json_of(call("profile", "GET", "/v1/users/alice", bob, username="alice"))["follower_count"] == 0


def test_following_yourself_is_a_422_problem(call: Call) -> None:
    alice = _user("alice")
    body = problem_of(call("follow", "PUT", "/v1/users/alice/follow", alice, username="alice"), 422)
    assert body["errors"][0]["field"] == "path.username"


def test_without_an_authorizer_context_the_routes_answer_401(call: Call) -> None:
    _user("bob")
    problem_of(call("follow", "PUT", "/v1/users/bob/follow", None, username="bob"), 401)
    problem_of(call("profile", "GET", "/v1/users/bob", None, username="bob"), 401)


def test_followers_pages_through_the_handler(call: Call) -> None:
    star = _user("star")
    for i in range(5):
        call("follow", "PUT", "/v1/users/star/follow", _user(f"fan{i}"), username="star")
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = json_of(call("followers", "GET", "/v1/users/star/followers", star, query=query,
                          username="star"))
        seen += [item["username"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["fan4", "fan3", "fan2", "fan1", "fan0"]
    following = json_of(call("following", "GET", "/v1/users/fan0/following", star, username="fan0"))
    assert [item["username"] for item in following["items"]] == ["star"]


@pytest.mark.parametrize(("query", "field"), [({"limit": "101"}, "query.limit"),
                                              ({"limit": "0"}, "query.limit"),
                                              ({"limit": "many"}, "query.limit"),
                                              ({"cursor": "garbage"}, "query.cursor")])
def test_a_bad_limit_or_cursor_is_a_422_problem(call: Call, query: dict[str, str], field: str) -> None:
    alice = _user("alice")
    for action in ("followers", "following"):
        body = problem_of(call(action, "GET", f"/v1/users/alice/{action}", alice, query=query,
                             username="alice"), 422)
        assert body["errors"][0]["field"] == field


def test_patch_me_changes_only_the_fields_sent(call: Call) -> None:
    alice = _user("alice")
    avatar = ready_media(alice["user_id"], "avatar")
    result = call("update_me", "PATCH", "/v1/users/me", alice,
                  body={"bio": "Tea at four.\nAlways.", "avatar_media_id": avatar})
    assert result["statusCode"] == 200, result
    user = json_of(result)["user"]
    assert (user["display_name"], user["bio"], user["avatar_media_id"]) == (
        "Alice", "Tea at four.\nAlways.", avatar)
    assert (user["avatar"]["width"], user["avatar"]["height"]) == (640, 480)
    # Someone else's media, or media of another purpose, is no avatar.
    for other in (ready_media(_user("carol")["user_id"], "avatar"), ready_media(alice["user_id"])):
        refused = call("update_me", "PATCH", "/v1/users/me", alice, body={"avatar_media_id": other})
        assert other in problem_of(refused, 422)["detail"]
    user = json_of(call("update_me", "PATCH", "/v1/users/me", alice,
                      body={"display_name": "Alice L.", "avatar_media_id": None}))["user"]
    assert (user["display_name"], user["bio"], user["avatar_media_id"]) == (
        "Alice L.", "Tea at four.\nAlways.", None)
    profile = json_of(call("profile", "GET", "/v1/users/alice", _user("bob"), username="alice"))
    assert (profile["display_name"], profile["bio"]) == ("Alice L.", "Tea at four.\nAlways.")


@pytest.mark.parametrize(("body", "status"), [
    ({"bio": "x" * 10_240}, 422),
    ({"display_name": "y" * 10_240}, 422),
    ({"display_name": 42}, 422),
    ({"bio": ["list"]}, 422),
    ({"display_name": None}, 422),
    ({"avatar_media_id": "../../etc/passwd"}, 422),
    ({"display_name": "bidi\u202eoverride"}, 422),
    ({"unknown": "field"}, 422),
    ([1, 2, 3], 422),
    ("{not json", 400),
    ('{"bio": "unterminated', 400),
])
def test_patch_me_rejects_bad_input_with_a_problem(call: Call, body: Any, status: int) -> None:
    alice = _user("alice")
    raw = body if isinstance(body, str) else json.dumps(body)
    problem_of(call("update_me", "PATCH", "/v1/users/me", alice, body=raw), status)


@pytest.mark.parametrize("action", ["update_me", "profile", "follow", "unfollow", "followers",
                                    "following", "block", "unblock", "blocks"])
def test_the_sample_events_run_against_the_handlers(call: Call, action: str) -> None:
    """events/users/*.json: with their caller and target created, each answers as documented."""
    event = load_event(f"users/{action}.json")
    db.execute("INSERT INTO users (id, username, email) VALUES (%s, 'sample', 'sample@example.edu')",
               (event["requestContext"]["authorizer"]["lambda"]["user_id"],))
    if action == "update_me":  # the sample's avatar: the sample user's own ready avatar media
        ready_media(event["requestContext"]["authorizer"]["lambda"]["user_id"], "avatar",
                    media_id=json.loads(event["body"])["avatar_media_id"])
    _user("bob")
    if action == "followers":
        event["queryStringParameters"].pop("cursor")
    result = load_function(f"functions/users/{action}.py").handler(event, FakeContext())
    assert result["statusCode"] in (200, 204), result


@pytest.mark.parametrize("username", ["x" * 10_240, "🙂", "../etc", "bob%00"])
def test_a_junk_username_in_the_path_is_a_404_problem(call: Call, username: str) -> None:
    alice = _user("alice")
    _user("bob")
    problem_of(call("profile", "GET", "/v1/users/x", alice, username=username), 404)
    problem_of(call("follow", "PUT", "/v1/users/x/follow", alice, username=username), 404)
    problem_of(call("block", "PUT", "/v1/users/x/block", alice, username=username), 404)
    problem_of(call("followers", "GET", "/v1/users/x/followers", alice, username=username), 404)


def test_a_nul_character_in_the_path_is_a_422_naming_the_parameter(call: Call) -> None:
    alice = _user("alice")
    for function, method, path in [("profile", "GET", "/v1/users/x"),
                                   ("follow", "PUT", "/v1/users/x/follow")]:
        problem = problem_of(call(function, method, path, alice, username="nul\x00byte"), 422)
        assert [error["field"] for error in problem["errors"]] == ["path.username"], problem
