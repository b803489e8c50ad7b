"""Registration, email verification, login, refresh rotation, sessions and password reset."""

from __future__ import annotations

import threading

import psycopg
import pytest

from plaza import errors
from plaza.identity import service
from plaza.identity.models import LoginIn, RegisterIn
from plaza.identity.service import Caller
from tests.support.identity import Outbox

PASSWORD = "correct horse battery"
DEVICE = "device-aaaa-1111"


def _register(name: str = "alice", email: str | None = None) -> str:
    user = service.register(RegisterIn(email=email or f"{name}@example.edu", password=PASSWORD,
                                       username=name))
    return user.id


def _login(name: str = "alice", device: str = DEVICE) -> service.TokenPair:
    return service.login(LoginIn(username=name, password=PASSWORD), device, "10.0.0.1")


def _caller(pair: service.TokenPair, device: str = DEVICE) -> Caller:
    claims = service.keyset().verify(pair.access_token, device)
    return Caller(claims.user_id, claims.role, claims.device_id, claims.session_id)


def test_register_normalises_and_sends_a_verification_email(identity_env: Outbox) -> None:
    user = service.register(RegisterIn(email="  Alice@Example.EDU ", password=PASSWORD,
                                       username="Alice_1"))
    assert (user.username, user.email, user.email_verified) == ("alice_1", "alice@example.edu",
                                                                 False)
    token = identity_env.last_token("alice@example.edu", "confirm")
    service.verify_email(token)
    assert service.me(Caller(user.id, "user", DEVICE, "x")).email_verified is True
    with pytest.raises(errors.Invalid):
        service.verify_email(token)


def test_login_refresh_rotates_and_reuse_revokes_the_family(identity_env: Outbox) -> None:
    _register()
    first = _login()
    second = service.refresh(first.refresh_token, DEVICE)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(errors.Unauthorized):
        service.refresh(first.refresh_token, DEVICE)
    with pytest.raises(errors.Unauthorized):
        service.refresh(second.refresh_token, DEVICE)


def test_two_logins_racing_on_one_device_leave_one_session(identity_env: Outbox,
                                                           database_url: str) -> None:
    user_id = _register()
    with psycopg.connect(database_url) as other:
        other.execute("INSERT INTO sessions (user_id, device_id, expires_at)"
                      " VALUES (%s, %s, now() + interval '1 day')", (user_id, DEVICE))
        # Commits while the login below waits on the one-live-session-per-device index.
        threading.Timer(0.5, other.commit).start()
        with pytest.raises(errors.Conflict):
            _login()
    assert len(service.list_sessions(Caller(user_id, "user", DEVICE, "x"))) == 1
