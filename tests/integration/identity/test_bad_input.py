"""Malformed and hostile input to the auth routes: always 400/422 problem+json, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.identity import Api

PASSWORD = "correct horse battery"
PHONE = "phone-0000-aaaa"
HUGE = "x" * 10_240

ROUTES = [("register", "/v1/auth/register"), ("login", "/v1/auth/login"),
          ("refresh", "/v1/auth/refresh"), ("verify_email", "/v1/auth/verify-email"),
          ("password_forgot", "/v1/auth/password/forgot"),
          ("password_reset", "/v1/auth/password/reset")]

BODIES: list[Any] = [
    None, "", "{", "not json", "[]", "42", '"string"', "null", "{\"a\": }",
    {}, {"unexpected": 1},
    {"email": HUGE, "password": HUGE, "username": HUGE, "token": HUGE, "refresh_token": HUGE},
    {"email": 1, "password": 12345678901, "username": ["alice"], "token": {"a": 1},
     "refresh_token": True},
    {"email": "a\u0000@example.edu", "password": "pass\u0000word-12", "username": "al\u202eice",
     "token": "\ud800", "refresh_token": "тест-токен-кириллица"},
    {"email": "\U0001f600@example.edu", "password": "\u200b" * 12, "username": "ａｌｉｃｅ",
     "token": "../../etc/passwd", "refresh_token": "' OR 1=1 --"},
]


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_bad_bodies_are_problems_not_crashes(api: Api, name: str, path: str) -> None:
    for number, body in enumerate(BODIES):
        # One address per body: the auth rate limit (10/min per IP) is tested on its own.
        reply = api.call(name, "POST", path, body=body, headers={"x-device-id": PHONE},
                         ip=f"10.0.{number}.1")
        assert reply.status in (400, 422), (name, body, reply.status, reply.body)
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.body["status"] == reply.status
        assert "Traceback" not in str(reply.body)


def test_a_json_body_with_another_content_type_is_refused(api: Api) -> None:
    reply = api.call("login", "POST", "/v1/auth/login", headers={
        "x-device-id": PHONE, "content-type": "text/plain"},
        body='{"username": "alice", "password": "correct horse battery"}')
    assert reply.status == 415


def test_odd_but_valid_unicode_display_names_are_kept_normalised(api: Api) -> None:
    reply = api.call("register", "POST", "/v1/auth/register", body={
        "email": "zoe@example.edu", "password": PASSWORD, "username": "zoe",
        "display_name": "Zoe\u0301 \U0001f469\u200d\U0001f4bb"})
    assert reply.status == 201
    assert reply.body["user"]["display_name"] == "Zoé \U0001f469\u200d\U0001f4bb"
    hidden = api.call("register", "POST", "/v1/auth/register", body={
        "email": "zed@example.edu", "password": PASSWORD, "username": "zed",
        "display_name": "admin\u202e"})
    assert hidden.status == 422


def test_bad_device_ids_are_refused(api: Api) -> None:
    body = {"username": "alice", "password": PASSWORD}
    for device in ("short", "x" * 129, "has space inside", "émile-device"):
        reply = api.call("login", "POST", "/v1/auth/login", body=body,
                         headers={"x-device-id": device})
        assert reply.status in (400, 422), device
