"""Rate limits per route group and login slowdown, on the real Redis (and without it)."""

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


def test_auth_routes_allow_ten_a_minute_per_ip(api: Api) -> None:
    statuses = [_register(api, f"user{number}", ip="10.0.0.7") for number in range(10)]
    assert statuses == [201] * 10
    refused = api.call("login", "POST", "/v1/auth/login", ip="10.0.0.7",
                       headers={"x-device-id": PHONE},
                       body={"username": "user1", "password": PASSWORD})
    assert refused.status == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == "10"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert _login(api, PASSWORD, ip="10.0.0.8", name="user1") == 200


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
    assert ratelimit.policy_of("core") == ratelimit.POLICIES["core"]
    for _ in range(2):
        ratelimit.check("auth", "ip:1.2.3.4")
    with pytest.raises(errors.RateLimited):
        ratelimit.check("auth", "ip:1.2.3.4")


def test_repeated_wrong_passwords_lock_the_account_from_any_ip(api: Api) -> None:
    _register(api, "alice")
    for attempt in range(5):
        assert _login(api, "wrong password!", ip=f"10.1.{attempt}.1") == 401
    assert _login(api, "wrong password!", ip="10.1.9.1") == 401  # the sixth failure locks
    locked = api.call("login", "POST", "/v1/auth/login", ip="10.1.10.1",
                      headers={"x-device-id": PHONE},
                      body={"username": "alice", "password": PASSWORD})
    assert locked.status == 429
    assert int(locked.headers["retry-after"]) >= 1


def test_unknown_accounts_slow_down_like_real_ones(api: Api) -> None:
    for attempt in range(6):
        assert _login(api, PASSWORD, ip=f"10.2.{attempt}.1", name="ghost") == 401
    assert _login(api, PASSWORD, ip="10.2.9.1", name="ghost") == 429


def test_one_ip_guessing_many_accounts_is_locked(api: Api) -> None:
    from plaza.identity.throttle import FREE_IP_FAILURES, LoginThrottle

    for number in range(FREE_IP_FAILURES + 1):
        LoginThrottle(f"victim{number}", "10.3.0.1").failed()
    with pytest.raises(errors.RateLimited):
        LoginThrottle("someone-new", "10.3.0.1").check()
    LoginThrottle("someone-new", "10.3.0.2").check()


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
