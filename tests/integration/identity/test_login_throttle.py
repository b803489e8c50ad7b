"""Wrong passwords slow down the (account, address) pair and, past a high bar, the address; never
the account everywhere. On the real Redis and Postgres, through the auth functions."""

from __future__ import annotations

import json

import pytest

from plaza import config, errors
from plaza.identity import passwords, repo, throttle
from plaza.identity.throttle import LoginThrottle
from plaza.stores import cache
from tests.support.identity import Api, Outbox
from tests.support.users import insert_user

PASSWORD = "correct horse battery"
WRONG = "wrong password!"
PHONE = "phone-0000-aaaa"
ATTACKER = "10.66.6.6"


def _register(api: Api, name: str = "alice", ip: str = "10.9.9.9") -> None:
    assert api.call("register", "POST", "/v1/auth/register", ip=ip, body={
        "email": f"{name}@example.edu", "password": PASSWORD, "username": name}).status == 201


def _login(api: Api, password: str, ip: str, name: str = "alice") -> tuple[int, dict[str, str]]:
    reply = api.call("login", "POST", "/v1/auth/login", ip=ip, headers={"x-device-id": PHONE},
                     body={"username": name, "password": password})
    return reply.status, reply.headers


def _lock_seconds_left(name: str, ip: str) -> float:
    return int(cache.client().eval("return redis.call('PTTL', KEYS[1])",
                                   keys=[LoginThrottle(name, ip).lock_key])) / 1000


def test_fifty_wrong_passwords_from_one_address_never_lock_the_owner_out(api: Api) -> None:
    _register(api)
    statuses = [_login(api, WRONG, ATTACKER)[0] for _ in range(50)]
    # Five free failures, a sixth that locks the pair; then refused without a password check.
    assert statuses[:6] == [401] * 6
    assert set(statuses[6:]) == {429}
    assert _login(api, PASSWORD, "10.1.1.1")[0] == 200
    # The attacker's pair is locked even with the right password: it cannot probe the lock.
    assert _login(api, PASSWORD, ATTACKER)[0] == 429


def test_the_locked_pair_is_told_the_real_remaining_wait(api: Api) -> None:
    _register(api)
    for _ in range(6):  # the sixth failure locks the pair for 2 s
        _login(api, WRONG, ATTACKER)
    status, headers = _login(api, WRONG, ATTACKER)
    assert status == 429
    left = _lock_seconds_left("alice", ATTACKER)
    assert 0 < left <= 2
    # Retry-After is the lock's remaining time rounded up to whole seconds, never a guess.
    assert left <= int(headers["retry-after"]) < left + 1.5


def test_the_lock_doubles_with_each_failure_past_the_free_ones(api: Api) -> None:
    _register(api)
    attempt = LoginThrottle("alice", ATTACKER)
    locks = []
    for _ in range(9):
        attempt.failed()
        locks.append(round(_lock_seconds_left("alice", ATTACKER)))
    assert locks == [0, 0, 0, 0, 0, 2, 4, 8, 16]


def test_unknown_accounts_slow_down_like_real_ones(api: Api) -> None:
    statuses = [_login(api, PASSWORD, "10.2.0.1", name="ghost")[0] for _ in range(7)]
    assert statuses == [401] * 6 + [429]


def test_past_the_high_bar_the_address_is_refused_for_every_account(api: Api) -> None:
    _register(api)
    for number in range(100):  # the default LoginFailuresPerIpPerHour
        LoginThrottle(f"victim{number}", ATTACKER).failed()
    status, headers = _login(api, PASSWORD, ATTACKER)
    assert status == 429
    # The budget refills one failure per 36 s (100 an hour): the wait is that, not an hour.
    assert 30 <= int(headers["retry-after"]) <= 36
    assert _login(api, PASSWORD, "10.3.0.2")[0] == 200


def test_a_shared_address_stays_open_to_users_who_type_their_passwords(api: Api) -> None:
    nat = "10.50.0.1"
    hashed = passwords.hash_password(PASSWORD)
    names = [f"student{number}" for number in range(30)]
    for name in names:
        # The same Argon2 hash for all: one hash instead of thirty.
        repo.set_password(insert_user(name), hashed)
    statuses = []
    for number, name in enumerate(names):
        if number % 3 == 0:  # typos from the NAT, under the address's bar
            statuses.append(_login(api, WRONG, nat, name=name)[0])
        statuses.append(_login(api, PASSWORD, nat, name=name)[0])
    assert statuses.count(200) == 30
    assert set(statuses) == {200, 401}


def test_a_password_reset_clears_the_accounts_counters_from_every_address(
        api: Api, identity_env: Outbox) -> None:
    _register(api)
    for ip in (ATTACKER, "10.66.6.7"):
        for _ in range(6):
            _login(api, WRONG, ip)
        for identifier in ("alice", "alice@example.edu"):
            LoginThrottle(identifier, ip).failed()
    assert _login(api, PASSWORD, ATTACKER)[0] == 429
    assert api.call("password_forgot", "POST", "/v1/auth/password/forgot",
                    body={"email": "alice@example.edu"}).status == 202
    identity_env.deliver(identity_env.queued())
    token = identity_env.last_token("alice@example.edu", "reset")
    new_password = "a brand new passphrase"
    assert api.call("password_reset", "POST", "/v1/auth/password/reset",
                    body={"token": token, "password": new_password}).status == 204
    for ip in (ATTACKER, "10.66.6.7"):
        assert _login(api, new_password, ip)[0] == 200
    assert cache.client().smembers("login:ips:" + LoginThrottle("alice", ATTACKER).account) == set()


def test_forget_account_clears_every_identifier_it_signs_in_with(api: Api) -> None:
    for identifier in ("Alice", "alice@example.edu"):
        for _ in range(6):
            LoginThrottle(identifier, ATTACKER).failed()
    throttle.forget_account(["alice", "alice@example.edu"])
    for identifier in ("alice", "ALICE@example.edu"):
        LoginThrottle(identifier, ATTACKER).check()


def test_a_success_clears_the_pairs_count(api: Api) -> None:
    _register(api)
    for _ in range(4):
        _login(api, WRONG, ATTACKER)
    assert _login(api, PASSWORD, ATTACKER)[0] == 200
    statuses = [_login(api, WRONG, ATTACKER)[0] for _ in range(5)]
    assert statuses == [401] * 5


def test_forgot_password_queues_one_message_whether_or_not_the_account_exists(
        api: Api, identity_env: Outbox) -> None:
    _register(api)
    identity_env.flush()  # the verification email
    for email in ("alice@example.edu", "ghost@example.edu"):
        reply = api.call("password_forgot", "POST", "/v1/auth/password/forgot",
                         body={"email": email})
        assert (reply.status, reply.body) == (202, "")
    queued = identity_env.queued()
    # The route looked nothing up: the same message either way (but its id), and no email yet.
    bodies = [json.loads(message["Body"]) for message in queued]
    assert sorted((b["template"], b["to_address"], b["to_user_id"], b["context"]) for b in bodies) \
        == [("reset_password", email, None, {}) for email in ("alice@example.edu", "ghost@example.edu")]
    assert [m.subject for m in identity_env.messages("alice@example.edu")
            if "reset" in m.subject.lower()] == []
    assert identity_env.deliver(queued) == {"batchItemFailures": []}
    assert len([m for m in identity_env.messages("alice@example.edu")
                if "reset" in m.subject.lower()]) == 1
    assert identity_env.messages("ghost@example.edu") == []


def test_a_reset_email_that_cannot_be_sent_is_retried_and_junk_is_dropped(
        api: Api, identity_env: Outbox, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(api)
    monkeypatch.setenv("MAIL_FROM", "Plaza <no-reply@unverified.example>")  # SES refuses it
    config.reset_settings()
    result = identity_env.deliver([
        {"MessageId": "m-1", "Body": json.dumps({
            "id": "5d7d0c0e-0000-4000-8000-000000000001", "template": "reset_password",
            "to_address": "alice@example.edu", "context": {}})},
        {"MessageId": "m-2", "Body": "not json"},
        {"MessageId": "m-3", "Body": '{"template": "spam"}'},
    ])
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_the_throttle_refuses_with_rate_limited_while_the_pair_is_locked(api: Api) -> None:
    attempt = LoginThrottle("alice", ATTACKER)
    for _ in range(6):
        attempt.failed()
    with pytest.raises(errors.RateLimited) as refused:
        attempt.check()
    assert 1 <= refused.value.retry_after <= 2
    LoginThrottle("alice", "10.1.1.1").check()
