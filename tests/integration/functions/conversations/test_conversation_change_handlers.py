"""Renaming a group and changing its members through the functions, as Lambda invokes them."""

from __future__ import annotations

from tests.integration.functions.conversations import test_conversation_handlers as handlers
from tests.integration.functions.conversations.test_conversation_handlers import Call, _user
from tests.support.lambdas import json_of, problem_of

call = handlers.call  # the fixture that invokes a conversations function


def _group(call: Call, creator: dict[str, str]) -> str:
    created = call("create", "POST", "/v1/conversations", creator,
                   body={"usernames": ["bob", "cat"], "title": "Trip"})
    assert created["statusCode"] == 201
    return str(json_of(created)["id"])


def test_rename_add_and_remove_answer_as_documented(call: Call) -> None:
    ann, bob, cat, _ = _user("ann"), _user("bob"), _user("cat"), _user("dan")
    group = _group(call, ann)
    params = {"id": group}

    renamed = call("rename", "PATCH", f"/v1/conversations/{group}", bob, body={"title": "Beach"},
                   params=params)
    assert renamed["statusCode"] == 200 and json_of(renamed)["title"] == "Beach"

    added = call("members_add", "POST", f"/v1/conversations/{group}/members", cat,
                 body={"usernames": ["dan"]}, params=params)
    assert added["statusCode"] == 200
    assert sorted(member["username"] for member in json_of(added)["members"]) == [
        "ann", "bob", "cat", "dan"]

    refused = call("members_remove", "DELETE", f"/v1/conversations/{group}/members/{cat['user_id']}",
                   bob, params={**params, "user_id": cat["user_id"]})
    assert refused["statusCode"] == 403
    removed = call("members_remove", "DELETE", f"/v1/conversations/{group}/members/{cat['user_id']}",
                   ann, params={**params, "user_id": cat["user_id"]})
    assert removed["statusCode"] == 204
    gone = call("rename", "PATCH", f"/v1/conversations/{group}", cat, body={"title": "Mine"},
                params=params)
    assert gone["statusCode"] == 404


def test_bad_bodies_are_422_problems(call: Call) -> None:
    ann, _, _ = _user("ann"), _user("bob"), _user("cat")
    group = _group(call, ann)
    too_long = call("rename", "PATCH", f"/v1/conversations/{group}", ann, body={"title": "x" * 101},
                    params={"id": group})
    assert problem_of(too_long, 422)["errors"][0]["field"] == "body.title"
    nobody = call("members_add", "POST", f"/v1/conversations/{group}/members", ann,
                  body={"usernames": []}, params={"id": group})
    assert nobody["statusCode"] == 422
