"""RequireVerifiedEmail: an unverified account signs in and reads, but its writes and WebSocket
`$connect` are 403 `email-unverified` until it verifies; without the setting nothing changes."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest

from plaza import config
from tests.support.identity import Api, Outbox, Reply
from tests.support.lambdas import FakeContext, http_event, load_function

PASSWORD = "correct horse battery"
PHONE = "phone-0000-aaaa"
UNVERIFIED = "https://plaza.dev/problems/email-unverified"


@pytest.fixture
def required(identity_env: Outbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUIRE_VERIFIED_EMAIL", "true")
    config.reset_settings()


def _signed_in(api: Api) -> dict[str, Any]:
    assert api.call("register", "POST", "/v1/auth/register", body={
        "email": "alice@example.edu", "password": PASSWORD, "username": "alice"}).status == 201
    login = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                     body={"username": "alice", "password": PASSWORD})
    assert login.status == 200
    return dict(login.body)


def _as_caller(api: Api, function: str, method: str, path: str, token: str,
               body: Any = None) -> Reply:
    """Any function behind the authorizer, as API Gateway calls it."""
    decision = api.authorize(token, PHONE)
    assert decision["isAuthorized"] is True
    event = http_event(method, path, body=body, headers={"x-device-id": PHONE},
                       authorizer=decision["context"])
    result = load_function(function).handler(event, FakeContext())
    raw = result.get("body") or ""
    return Reply(result["statusCode"], result["headers"], json.loads(raw) if raw else raw)


def _rename(api: Api, token: str) -> Reply:
    return _as_caller(api, "functions/users/update_me.py", "PATCH", "/v1/users/me", token,
                      body={"display_name": "Alice V."})


def _connect(api: Api, token: str) -> dict[str, Any]:
    decision = api.authorize(token, PHONE)
    event = {"requestContext": {"connectionId": "conn-alice-1", "routeKey": "$connect",
                                "eventType": "CONNECT", "authorizer": decision["context"]}}
    return dict(load_function("functions/realtime/connect.py").handler(event, FakeContext()))


def test_the_access_token_and_the_authorizer_carry_whether_the_email_is_verified(
        api: Api, identity_env: Outbox) -> None:
    pair = _signed_in(api)
    assert jwt.decode(pair["access_token"], options={"verify_signature": False})["ev"] is False
    assert api.authorize(pair["access_token"], PHONE)["context"]["email_verified"] == "false"


def test_unverified_accounts_sign_in_and_read_but_may_not_write(api: Api, required: None) -> None:
    pair = _signed_in(api)
    token = pair["access_token"]
    assert api.as_caller("me", "GET", "/v1/auth/me", token, PHONE).status == 200
    refused = _rename(api, token)
    assert refused.status == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.body["type"] == UNVERIFIED
    post = _as_caller(api, "functions/posts/create.py", "POST", "/v1/posts", token,
                      body={"text": "hello"})
    assert (post.status, post.body["type"]) == (403, UNVERIFIED)
    # Signing out always works.
    assert api.as_caller("logout", "POST", "/v1/auth/logout", token, PHONE).status == 204


def test_unverified_accounts_may_not_open_a_websocket(api: Api, required: None) -> None:
    refused = _connect(api, _signed_in(api)["access_token"])
    assert refused["statusCode"] == 403
    assert refused["headers"]["content-type"] == "application/problem+json"
    assert json.loads(refused["body"])["type"] == UNVERIFIED


def test_after_verifying_a_refreshed_session_writes_and_connects(
        api: Api, identity_env: Outbox, required: None) -> None:
    pair = _signed_in(api)
    token = identity_env.last_token("alice@example.edu", "confirm")
    assert api.call("verify_email", "POST", "/v1/auth/verify-email",
                    body={"token": token}).status == 204
    fresh = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                     body={"refresh_token": pair["refresh_token"]})
    assert fresh.status == 200
    assert fresh.body["user"]["email_verified"] is True
    renamed = _rename(api, fresh.body["access_token"])
    assert (renamed.status, renamed.body["user"]["display_name"]) == (200, "Alice V.")
    assert _connect(api, fresh.body["access_token"]) == {"statusCode": 200}


def test_without_the_setting_unverified_accounts_write_and_connect(
        api: Api, identity_env: Outbox) -> None:
    token = _signed_in(api)["access_token"]
    assert _rename(api, token).status == 200
    assert _connect(api, token) == {"statusCode": 200}
