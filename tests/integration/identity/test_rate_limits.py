"""Rate limits per route group on the real Redis (and without it); the login slowdown is in
test_login_throttle.py."""

from __future__ import annotations

import pytest

from plaza import config, errors, ratelimit
from plaza.stores import cache
from tests.support.identity import Api

PASSWORD = "correct horse battery"
PHONE = "phone-0000-aaaa"


def _register(api: Api, name: str, ip: str = "10.9.9.9") -> int:
    return api.call("register", "POST", "/v1/auth/register", ip=ip, body={
        "email": f"{name}@example.edu", "password": PASSWORD, "username": name}).status


def _login(api: Api, password: str, ip: str, name: str = "alice") -> int:
    return api.call("login", "POST", "/v1/auth/login", ip=ip, headers={"x-device-id": PHONE},
                    body={"username": name, "password": password}).status


def test_auth_routes_allow_ten_a_minute_per_ip_and_login_spends_none(api: Api) -> None:
    statuses = [_register(api, f"user{number}", ip="10.0.0.7") for number in range(10)]
    assert statuses == [201] * 10
    refused = api.call("register", "POST", "/v1/auth/register", ip="10.0.0.7", body={
        "email": "late@example.edu", "password": PASSWORD, "username": "late"})
    assert refused.status == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == "10"
    assert refused.headers["ratelimit-remaining"] == "0"
    # Correct sign-ins from the same address cost no budget.
    assert [_login(api, PASSWORD, ip="10.0.0.7", name=f"user{n}") for n in range(10)] == [200] * 10


def test_allowed_responses_carry_ratelimit_headers(api: Api) -> None:
    reply = api.call("register", "POST", "/v1/auth/register", ip="10.0.0.9", body={
        "email": "h@example.edu", "password": PASSWORD, "username": "hank"})
    assert reply.status == 201
    assert (reply.headers["ratelimit-limit"], reply.headers["ratelimit-remaining"]) == ("10", "9")
    assert reply.headers["ratelimit-policy"] == "10;w=60"


def test_core_allows_a_hundred_a_minute_per_user(identity_env: object) -> None:
    now = 1_800_000_000_000
    for _ in range(100):
        assert ratelimit.check("core", "user:u1", now_ms=now) is not None
    with pytest.raises(errors.RateLimited) as refused:
        ratelimit.check("core", "user:u1", now_ms=now)
    assert refused.value.headers["Retry-After"] == "1"
    assert ratelimit.check("core", "user:u2", now_ms=now) is not None
    # GCRA refills steadily: one more request every 600 ms.
    assert ratelimit.check("core", "user:u1", now_ms=now + 600) is not None


def test_media_allows_fifty_a_minute(identity_env: object) -> None:
    now = 1_800_000_000_000
    for _ in range(50):
        ratelimit.check("media", "user:u1", now_ms=now)
    with pytest.raises(errors.RateLimited):
        ratelimit.check("media", "user:u1", now_ms=now)


def test_rate_limits_setting_overrides_a_policy(identity_env: object,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMITS", "auth=2/60")
    config.reset_settings()
    assert ratelimit.policy_of("auth") == ratelimit.Policy(2, 60, "ip")
    assert ratelimit.policy_of("core") == ratelimit.Policy(100, 60, "user")
    for _ in range(2):
        ratelimit.check("auth", "ip:1.2.3.4")
    with pytest.raises(errors.RateLimited):
        ratelimit.check("auth", "ip:1.2.3.4")


def test_without_redis_limits_fail_open_with_a_metric(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _register(api, "alice")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    config.reset_settings()
    cache.reset()
    assert ratelimit.check("auth", "ip:10.4.0.1") is None
    # Login still works: the throttle steps aside and session state falls back to Postgres.
    reply = api.call("login", "POST", "/v1/auth/login", ip="10.4.0.1",
                     headers={"x-device-id": PHONE},
                     body={"username": "alice", "password": PASSWORD})
    assert reply.status == 200
    assert api.authorize(reply.body["access_token"], PHONE)["isAuthorized"] is True
    logs = capsys.readouterr().out
    assert "RateLimitFailOpen" in logs and "LoginThrottleFailOpen" in logs


def test_each_budget_is_a_setting(identity_env: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_REQUESTS_PER_IP_PER_MINUTE", "3")
    monkeypatch.setenv("LOGIN_FAILURES_PER_IP_PER_HOUR", "7")
    monkeypatch.setenv("CORE_REQUESTS_PER_USER_PER_MINUTE", "30")
    monkeypatch.setenv("MEDIA_REQUESTS_PER_USER_PER_MINUTE", "4")
    config.reset_settings()
    assert [ratelimit.policy_of(group) for group in ("auth", "login_failures", "core", "media")] \
        == [ratelimit.Policy(3, 60, "ip"), ratelimit.Policy(7, 3600, "ip"),
            ratelimit.Policy(30, 60, "user"), ratelimit.Policy(4, 60, "user")]
