"""A session's end reaches its devices: push tokens die with it, and a WebSocket frame sent on it
is refused before it acts. On the real Postgres and Redis, the session-ending paths as the
functions call them (each function imports plaza.notifications.sessions, as these tests do)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import pytest

import plaza.notifications.sessions  # noqa: F401 - what an ended session does to its devices
from plaza import config
from plaza.admin import service as admin
from plaza.identity import repo, service
from plaza.identity.models import LoginIn, RegisterIn
from plaza.identity.service import Caller
from plaza.notifications import repo as push_tokens
from plaza.notifications import service as notifications
from plaza.realtime import actions
from tests.support.identity import Outbox

PASSWORD = "correct horse battery"
PHONE, LAPTOP, TABLET = "phone-0000-1111", "laptop-000-2222", "tablet-000-3333"


def _signed_in(name: str, *devices: str) -> dict[str, Caller]:
    """The user signed in on each device, each device with a push token."""
    service.register(RegisterIn(email=f"{name}@example.edu", password=PASSWORD, username=name))
    callers = {}
    for device in devices:
        pair = service.login(LoginIn(username=name, password=PASSWORD), device, "10.0.0.1")
        claims = service.keyset().verify(pair.access_token, device)
        callers[device] = Caller(claims.user_id, claims.role, device, claims.session_id)
        notifications.register_own_push_token(callers[device], device, "fcm", f"{name}-{device}")
    return callers


def _devices_with_tokens(caller: Caller) -> set[str]:
    return {row["device_id"] for row in push_tokens.push_tokens(caller.user_id)}


def test_logout_revocation_and_reset_delete_their_devices_push_tokens(
        identity_env: Outbox) -> None:
    callers = _signed_in("alice", PHONE, LAPTOP, TABLET)
    alice = callers[PHONE]

    service.logout(callers[PHONE])
    assert _devices_with_tokens(alice) == {LAPTOP, TABLET}

    service.revoke_device(callers[LAPTOP], TABLET)
    assert _devices_with_tokens(alice) == {LAPTOP}

    # The emailed token, as forgot-password stores it (how the mail travels is not this test's).
    repo.insert_email_token(hashlib.sha256(b"reset-token").digest(), alice.user_id,
                            "reset_password", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    service.reset_password("reset-token", "a new one 123")
    assert _devices_with_tokens(alice) == set()


def test_suspension_deletes_every_push_token_of_the_account(identity_env: Outbox) -> None:
    callers = _signed_in("bob", PHONE, LAPTOP)
    moderator = Caller(str(uuid.uuid4()), "moderator", "mod-device-1", str(uuid.uuid4()))

    admin.suspend(moderator, callers[PHONE].user_id)

    assert _devices_with_tokens(callers[PHONE]) == set()


def test_signing_in_again_on_the_same_device_keeps_its_push_token(identity_env: Outbox) -> None:
    callers = _signed_in("carol", PHONE)
    service.login(LoginIn(username="carol", password=PASSWORD), PHONE, "10.0.0.1")
    assert _devices_with_tokens(callers[PHONE]) == {PHONE}


def _frame_event(caller: Caller, action: str = "ping") -> dict[str, Any]:
    return {"requestContext": {"connectionId": "conn-1", "authorizer": {
        "user_id": caller.user_id, "role": caller.role, "device_id": caller.device_id,
        "session_id": caller.session_id}}, "body": f'{{"action": "{action}", "id": 7}}'}


@pytest.mark.parametrize("end", ["logout", "suspension", "refresh reuse"])
def test_a_frame_on_an_ended_session_is_refused_as_session_ended(identity_env: Outbox,
                                                                  end: str) -> None:
    service.register(RegisterIn(email="dan@example.edu", password=PASSWORD, username="dan"))
    pair = service.login(LoginIn(username="dan", password=PASSWORD), PHONE, "10.0.0.1")
    claims = service.keyset().verify(pair.access_token, PHONE)
    dan = Caller(claims.user_id, claims.role, PHONE, claims.session_id)
    assert actions.refusal_of(_frame_event(dan), "core") is None

    if end == "logout":
        service.logout(dan)
    elif end == "suspension":
        admin.suspend(Caller(str(uuid.uuid4()), "moderator", "mod-device-1", "x"), dan.user_id)
    else:
        service.refresh(pair.refresh_token, PHONE)
        with pytest.raises(service.InvalidRefreshToken):
            service.refresh(pair.refresh_token, PHONE)

    assert actions.refusal_of(_frame_event(dan), None) == {
        "type": "error", "code": "session_ended", "status": 401,
        "detail": "This session has ended; sign in again", "id": 7}


def test_frames_over_the_core_budget_are_refused_with_retry_after(
        identity_env: Outbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMITS", "core=3/60")
    config.reset_settings()
    erin = _signed_in("erin", PHONE)[PHONE]

    assert [actions.refusal_of(_frame_event(erin, "subscribe"), "core")
            for _ in range(3)] == [None, None, None]
    refused = actions.refusal_of(_frame_event(erin, "message.send"), "core")
    assert refused is not None
    assert (refused["type"], refused["code"], refused["status"]) == ("error", "rate_limited", 429)
    assert 1 <= refused["retry_after"] <= 20
    # Actions that spend no budget (ping, typing) still go through.
    assert actions.refusal_of(_frame_event(erin), None) is None
