"""The auth routes end to end through their functions and the authorizer, on real stores."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.identity import Api, Outbox

PASSWORD = "correct horse battery"
PHONE, LAPTOP = "phone-0000-aaaa", "laptop-000-bbbb"


def _register(api: Api, name: str = "alice", **extra: Any) -> dict[str, Any]:
    reply = api.call("register", "POST", "/v1/auth/register", body={
        "email": f"{name}@example.edu", "password": PASSWORD, "username": name, **extra})
    assert reply.status == 201, reply.body
    return dict(reply.body["user"])


def _login(api: Api, name: str = "alice", device: str = PHONE, **options: Any) -> dict[str, Any]:
    reply = api.call("login", "POST", "/v1/auth/login", body={"username": name,
                                                               "password": PASSWORD},
                     headers={"x-device-id": device}, **options)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def test_register_returns_the_normalised_user_and_emails_a_link(api: Api,
                                                                identity_env: Outbox) -> None:
    reply = api.call("register", "POST", "/v1/auth/register", body={
        "email": " Bob@Example.EDU", "password": PASSWORD, "username": "Bob_9",
        "display_name": "Bob B."})
    assert reply.status == 201
    user = reply.body["user"]
    assert (user["username"], user["email"], user["display_name"]) == ("bob_9",
                                                                       "bob@example.edu", "Bob B.")
    assert user["role"] == "user" and user["email_verified"] is False
    assert "password" not in str(reply.body)
    token = identity_env.last_token("bob@example.edu", "confirm")
    assert api.call("verify_email", "POST", "/v1/auth/verify-email",
                    body={"token": token}).status == 204
    pair = _login(api, "bob_9")
    assert pair["user"]["email_verified"] is True


@pytest.mark.parametrize(("field", "value"), [
    ("username", "ab"), ("username", "a" * 31), ("username", "has space"), ("username", "me"),
    ("username", "émile"), ("email", "not-an-email"), ("email", "a@b"),
    ("password", "short1"), ("password", "password123"), ("password", "aaaaaaaaaaaa"),
])
def test_register_refuses_values_that_break_the_rules(api: Api, field: str, value: str) -> None:
    body = {"email": "carol@example.edu", "password": PASSWORD, "username": "carol", field: value}
    reply = api.call("register", "POST", "/v1/auth/register", body=body)
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert any(error["field"] == f"body.{field}" for error in reply.body["errors"])


def test_username_and_email_are_unique_ignoring_case(api: Api) -> None:
    _register(api, "dave")
    taken = api.call("register", "POST", "/v1/auth/register", body={
        "email": "other@example.edu", "password": PASSWORD, "username": "DAVE"})
    assert (taken.status, taken.body["field"]) == (409, "username")
    taken = api.call("register", "POST", "/v1/auth/register", body={
        "email": "DAVE@example.edu", "password": PASSWORD, "username": "dave2"})
    assert (taken.status, taken.body["field"]) == (409, "email")


def test_allowed_email_domains_refuse_other_domains(api: Api,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from plaza import config

    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "uni.edu, @college.ac.uk")
    config.reset_settings()
    for email, status in [("erin@gmail.com", 422), ("erin@uni.edu.evil.com", 422),
                          ("erin@uni.edu", 201), ("frank@cs.college.ac.uk", 201)]:
        reply = api.call("register", "POST", "/v1/auth/register", body={
            "email": email, "password": PASSWORD, "username": email.split("@")[0]})
        assert reply.status == status, (email, reply.body)


def test_login_by_email_or_username_and_wrong_password_is_401(api: Api) -> None:
    _register(api)
    by_email = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                        body={"email": "ALICE@example.edu", "password": PASSWORD})
    assert by_email.status == 200 and by_email.body["token_type"] == "Bearer"
    wrong = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                     body={"username": "alice", "password": PASSWORD + "x"})
    unknown = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                       body={"username": "nobody", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert wrong.body["detail"] == unknown.body["detail"]


def test_login_needs_a_device_id(api: Api) -> None:
    _register(api)
    body = {"username": "alice", "password": PASSWORD}
    assert api.call("login", "POST", "/v1/auth/login", body=body).status == 400
    short = api.call("login", "POST", "/v1/auth/login", body=body, headers={"x-device-id": "x"})
    assert short.status == 422


def test_me_and_sessions_through_the_authorizer(api: Api) -> None:
    _register(api)
    phone = _login(api, device=PHONE)
    _login(api, device=LAPTOP)
    me = api.as_caller("me", "GET", "/v1/auth/me", phone["access_token"], PHONE)
    assert me.status == 200 and me.body["user"]["username"] == "alice"
    sessions = api.as_caller("sessions_list", "GET", "/v1/auth/sessions",
                             phone["access_token"], PHONE)
    devices = {item["device_id"]: item["current"] for item in sessions.body["items"]}
    assert devices == {PHONE: True, LAPTOP: False}


def test_refresh_rotates_and_reuse_revokes_the_family(api: Api) -> None:
    _register(api)
    first = _login(api)
    rotated = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                       body={"refresh_token": first["refresh_token"]})
    assert rotated.status == 200
    assert rotated.body["refresh_token"] != first["refresh_token"]
    assert api.authorize(rotated.body["access_token"], PHONE)["isAuthorized"] is True
    reused = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                      body={"refresh_token": first["refresh_token"]})
    assert reused.status == 401
    # The whole family is gone: the newest refresh token and its access token too.
    assert api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                    body={"refresh_token": rotated.body["refresh_token"]}).status == 401
    assert api.authorize(rotated.body["access_token"], PHONE)["isAuthorized"] is False


def test_refresh_token_from_another_device_is_401_and_revokes_it(api: Api) -> None:
    _register(api)
    pair = _login(api, device=PHONE)
    stolen = api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": LAPTOP},
                      body={"refresh_token": pair["refresh_token"]})
    assert stolen.status == 401
    assert api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                    body={"refresh_token": pair["refresh_token"]}).status == 401


def test_logout_ends_this_device_only(api: Api) -> None:
    _register(api)
    phone, laptop = _login(api, device=PHONE), _login(api, device=LAPTOP)
    out = api.as_caller("logout", "POST", "/v1/auth/logout", phone["access_token"], PHONE)
    assert out.status == 204
    assert api.authorize(phone["access_token"], PHONE)["isAuthorized"] is False
    assert api.authorize(laptop["access_token"], LAPTOP)["isAuthorized"] is True
    assert api.call("refresh", "POST", "/v1/auth/refresh", headers={"x-device-id": PHONE},
                    body={"refresh_token": phone["refresh_token"]}).status == 401


def test_deleting_a_session_signs_that_device_out(api: Api) -> None:
    _register(api)
    phone, laptop = _login(api, device=PHONE), _login(api, device=LAPTOP)
    deleted = api.as_caller("session_delete", "DELETE", f"/v1/auth/sessions/{LAPTOP}",
                            phone["access_token"], PHONE, path_params={"device_id": LAPTOP})
    assert deleted.status == 204
    assert api.authorize(laptop["access_token"], LAPTOP)["isAuthorized"] is False
    again = api.as_caller("session_delete", "DELETE", f"/v1/auth/sessions/{LAPTOP}",
                          phone["access_token"], PHONE, path_params={"device_id": LAPTOP})
    assert again.status == 404


def test_a_new_login_on_a_device_replaces_its_session(api: Api) -> None:
    _register(api)
    old, new = _login(api), _login(api)
    assert api.authorize(old["access_token"], PHONE)["isAuthorized"] is False
    assert api.authorize(new["access_token"], PHONE)["isAuthorized"] is True


def test_forgot_is_202_for_anyone_and_reset_revokes_every_session(
        api: Api, identity_env: Outbox) -> None:
    _register(api)
    phone, laptop = _login(api, device=PHONE), _login(api, device=LAPTOP)
    for email in ("alice@example.edu", "ghost@example.edu"):
        assert api.call("password_forgot", "POST", "/v1/auth/password/forgot",
                        body={"email": email}).status == 202
    identity_env.deliver(identity_env.queued())
    assert identity_env.messages("ghost@example.edu") == []
    token = identity_env.last_token("alice@example.edu", "reset")
    new_password = "a brand new passphrase"
    reset = api.call("password_reset", "POST", "/v1/auth/password/reset",
                     body={"token": token, "password": new_password})
    assert reset.status == 204
    for pair, device in ((phone, PHONE), (laptop, LAPTOP)):
        assert api.authorize(pair["access_token"], device)["isAuthorized"] is False
    assert api.call("password_reset", "POST", "/v1/auth/password/reset",
                    body={"token": token, "password": new_password}).status == 422
    old = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                   body={"username": "alice", "password": PASSWORD})
    assert old.status == 401
    fresh = api.call("login", "POST", "/v1/auth/login", headers={"x-device-id": PHONE},
                     body={"username": "alice", "password": new_password})
    assert fresh.status == 200


def test_jwks_lists_public_keys_only(api: Api) -> None:
    reply = api.call("jwks", "GET", "/.well-known/jwks.json")
    assert reply.status == 200
    (key,) = reply.body["keys"]
    assert key["kty"] == "EC" and key["alg"] == "ES256" and "d" not in key
