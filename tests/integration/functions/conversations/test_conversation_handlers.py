"""The conversations functions invoked as Lambda would: status codes, replay header, problem+json
for bad input, members only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.identity import repo as identity_repo
from plaza.stores import cache
from tests.support.concurrency import at_once
from tests.support.lambdas import FakeContext, http_event, json_of, load_function, problem_of

Call = Callable[..., dict[str, Any]]


def _user(username: str) -> dict[str, str]:
    row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(), "x")
    return {"user_id": str(row["id"]), "role": "user", "device_id": "device-0001",
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
            modules[action] = load_function(f"functions/conversations/{action}.py")
        event = http_event(method, path, body=body, query=query, authorizer=caller,
                           path_params=params, headers=headers)
        return modules[action].handler(event, FakeContext())

    return invoke


def test_create_send_replay_page_and_read(call: Call) -> None:
    ann, bob = _user("ann"), _user("bob")
    created = call("create", "POST", "/v1/conversations", ann, body={"usernames": ["bob"]})
    assert created["statusCode"] == 201
    conversation = json_of(created)["id"]
    assert created["headers"]["location"] == f"/v1/conversations/{conversation}"
    assert call("create", "POST", "/v1/conversations", bob,
                body={"usernames": ["ann"]})["statusCode"] == 200

    path = f"/v1/conversations/{conversation}/messages"
    params = {"id": conversation}
    body = {"client_msg_id": "c-1", "text": "hi"}
    sent = call("send", "POST", path, ann, body=body, params=params)
    assert sent["statusCode"] == 201 and "idempotent-replayed" not in sent["headers"]
    replay = call("send", "POST", path, ann, body=body, params=params)
    assert replay["statusCode"] == 200 and replay["headers"]["idempotent-replayed"] == "true"
    assert json_of(replay) == json_of(sent)

    page = json_of(call("messages", "GET", path, bob, params=params, query={"limit": "10"}))
    assert [item["id"] for item in page["items"]] == [json_of(sent)["id"]]
    listed = json_of(call("list", "GET", "/v1/conversations", bob))
    assert listed["items"][0]["unread_count"] == 1
    read = call("read", "POST", f"/v1/conversations/{conversation}/read", bob, params=params)
    assert read["statusCode"] == 200 and json_of(read)["message_id"] == json_of(sent)["id"]
    assert json_of(call("list", "GET", "/v1/conversations", bob))["items"][0]["unread_count"] == 0


def test_bad_input_is_problem_json_and_outsiders_get_404(call: Call) -> None:
    ann, _, cat = _user("ann"), _user("bob"), _user("cat")
    conversation = json_of(call("create", "POST", "/v1/conversations", ann,
                              body={"usernames": ["bob"]}))["id"]
    params = {"id": conversation}
    path = f"/v1/conversations/{conversation}/messages"
    problem_of(call("create", "POST", "/v1/conversations", ann, body={"usernames": []}), 422)
    problem_of(call("create", "POST", "/v1/conversations", ann,
                  body={"usernames": [f"u{i}" for i in range(51)]}), 422)
    problem_of(call("create", "POST", "/v1/conversations", ann, body={"usernames": ["ghost"]}), 404)
    too_long = problem_of(call("send", "POST", path, ann, params=params,
                             body={"client_msg_id": "c", "text": "x" * 4001}), 422)
    assert too_long["errors"][0]["field"] == "body.text"
    problem_of(call("send", "POST", path, ann, params=params, body={"text": "no id"}), 422)
    problem_of(call("messages", "GET", path, ann, params=params, query={"cursor": "junk"}), 422)
    problem_of(call("messages", "GET", path, cat, params=params), 404)
    problem_of(call("send", "POST", path, cat, params=params,
                  body={"client_msg_id": "c", "text": "hi"}), 404)
    problem_of(call("read", "POST", f"/v1/conversations/{conversation}/read", cat, params=params), 404)
    problem_of(call("messages", "GET", "/v1/conversations/nope/messages", ann,
                  params={"id": "nope"}), 404)



def test_a_group_created_with_an_idempotency_key_is_created_once(call: Call) -> None:
    ann, _, _ = _user("ann"), _user("bob"), _user("cat")
    key = {"Idempotency-Key": "group-1"}

    def create(title: str = "Trip") -> dict[str, Any]:
        return call("create", "POST", "/v1/conversations", ann, headers=key,
                    body={"usernames": ["bob", "cat"], "title": title})

    call("list", "GET", "/v1/conversations", ann)
    call("create", "POST", "/v1/conversations", ann, body={"usernames": ["bob"]})  # loads it
    answers = at_once([create] * 4)
    assert [answer["statusCode"] for answer in answers] == [201] * 4
    assert sum(answer["headers"].get("idempotent-replayed") == "true" for answer in answers) == 3
    assert len({json_of(answer)["id"] for answer in answers}) == 1
    groups = [item for item in json_of(call("list", "GET", "/v1/conversations", ann))["items"]
              if item["kind"] == "group"]
    assert len(groups) == 1
    problem_of(create("Another trip"), 409)


def test_a_message_sent_with_an_idempotency_key_replays_its_first_answer(call: Call) -> None:
    ann, _ = _user("ann"), _user("bob")
    conversation = json_of(call("create", "POST", "/v1/conversations", ann,
                                body={"usernames": ["bob"]}))["id"]
    path, params = f"/v1/conversations/{conversation}/messages", {"id": conversation}
    key = {"Idempotency-Key": "message-1"}
    body = {"client_msg_id": "c-1", "text": "hi"}
    sent = call("send", "POST", path, ann, body=body, params=params, headers=key)
    again = call("send", "POST", path, ann, body=body, params=params, headers=key)
    assert (sent["statusCode"], again["statusCode"]) == (201, 201)  # the first answer, again
    assert again["headers"]["idempotent-replayed"] == "true"
    assert json_of(again) == json_of(sent)
    problem_of(call("send", "POST", path, ann, params=params, headers=key,
                    body={"client_msg_id": "c-2", "text": "hi"}), 409)
    page = json_of(call("messages", "GET", path, ann, params=params))
    assert [item["id"] for item in page["items"]] == [json_of(sent)["id"]]
