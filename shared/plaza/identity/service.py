"""Account rules: register, verify email, login, refresh rotation, sessions, password reset.

Refresh tokens are opaque, stored as sha256 and rotated on every use. A session is one refresh
family: one login on one device. Presenting a rotated token again, or a token from another
device, means it leaked: the whole family is revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from plaza import emails, errors, observability
from plaza.config import settings
from plaza.identity import passwords, repo, session_endings, session_state, throttle
from plaza.identity.gateway import Caller, require_role
from plaza.identity.models import (
    LoginIn,
    RegisterIn,
    SessionOut,
    TokenPair,
    UserOut,
)
from plaza.identity.tokens import ACCESS_TOKEN_TTL_S, keyset
from plaza.stores import db
from plaza.stores.search_events import queue_index_event

REFRESH_TOKEN_TTL = dt.timedelta(days=30)
# A family lives at most this long however often it is refreshed; then the user logs in again.
SESSION_MAX_AGE = dt.timedelta(days=90)
VERIFY_EMAIL_TTL = dt.timedelta(days=2)
RESET_PASSWORD_TTL = dt.timedelta(hours=1)


class InvalidRefreshToken(errors.Unauthorized):
    code = "invalid-refresh-token"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_token() -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)
    return token, _digest(token)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def user_out(row: dict[str, Any]) -> UserOut:
    return UserOut(
        id=row["id"], username=row["username"], email=row["email"],
        display_name=row["display_name"], bio=row["bio"], avatar_media_id=row["avatar_media_id"],
        role=row["role"], email_verified=row["email_verified_at"] is not None,
        created_at=row["created_at"],
    )


# ---------------------------------------------------------------- registration and email

def _check_email_domain(email: str) -> None:
    allowed = [d.strip().lower().lstrip("@") for d in settings().allowed_email_domains.split(",")
               if d.strip()]
    domain = email.rsplit("@", 1)[1]
    if allowed and not any(domain == d or domain.endswith("." + d) for d in allowed):
        raise errors.Invalid(errors=[{"field": "body.email", "type": "email_domain",
                                      "message": "this email domain is not allowed here"}])


def register(data: RegisterIn) -> UserOut:
    _check_email_domain(data.email)
    row = repo.insert_user(data.username, data.email, data.display_name or data.username,
                           passwords.hash_password(data.password))
    # The consumer mints the token when it sends (plaza.identity.mail_recipients).
    _queue_email("verify_email", row["id"], {})
    queue_index_event("user", str(row["id"]))  # findable by name from the start
    observability.count("UserRegistered")
    return user_out(row)


def _queue_email(template: str, user_id: str, context: dict[str, Any]) -> None:
    """Queue an email whose loss must not fail the request it follows (the account is made,
    the sign-in done): an unreachable queue is logged and counted."""
    try:
        emails.enqueue(template, to_user_id=user_id, context=context)
    except errors.Unavailable as exc:
        observability.log_error("email not queued", template=template, error=exc)


def mint_email_token(user_id: str, purpose: str) -> str:
    """A new single-use token for `purpose` (verify_email or reset_password), stored hashed."""
    token, digest = _new_token()
    ttl = VERIFY_EMAIL_TTL if purpose == "verify_email" else RESET_PASSWORD_TTL
    repo.insert_email_token(digest, user_id, purpose, _now() + ttl)
    return token


def verify_email(token: str) -> None:
    user_id = repo.consume_email_token(_digest(token), "verify_email")
    if user_id is None:
        raise _bad_token()
    repo.mark_email_verified(user_id)


def _bad_token() -> errors.Invalid:
    return errors.Invalid("The token is invalid, used or expired",
                          errors=[{"field": "body.token", "type": "token",
                                   "message": "invalid, used or expired"}])


def forgot_password(email: str) -> None:
    """Queue a reset link for `email`; the same one queue message whether or not the account
    exists (the consumer is the one that looks), so neither the answer nor its timing tells the
    caller which. Unavailable when the queue is unreachable: the caller must not be told 202."""
    emails.enqueue("reset_password", to_address=email, context={})


def flag_email_bounced(addresses: list[str]) -> int:
    """SES reported these addresses bounced for good: flag their accounts."""
    return repo.flag_email_bounced(addresses) if addresses else 0


def reset_password(token: str, password: str) -> None:
    new_hash = passwords.hash_password(password)
    with db.transaction():
        user_id = repo.consume_email_token(_digest(token), "reset_password")
        if user_id is None:
            raise _bad_token()
        repo.set_password(user_id, new_hash)
        repo.expire_email_tokens(user_id, "reset_password")
        revoked = repo.revoke_user_sessions(user_id, "password_reset")
    session_endings.sessions_ended(user_id, revoked, "password_reset")
    user = repo.user_by_id(user_id)
    if user is not None:
        # Old wrong guesses no longer count against the new password, from any address.
        throttle.forget_account([user["username"], user["email"]])


# ---------------------------------------------------------------- login and sessions

def login(data: LoginIn, device_id: str, ip: str, user_agent: str = "") -> TokenPair:
    identifier = data.identifier
    attempt = throttle.LoginThrottle(identifier, ip)
    attempt.check()
    by = "email" if data.email is not None else "username"
    row = repo.user_with_hash(identifier, by)
    # Always one Argon2 verification, so an unknown account costs the same time as a known one.
    if not passwords.verify_password(row["password_hash"] if row else None, data.password):
        attempt.failed()
        observability.count("LoginFailed")
        raise errors.Unauthorized("Wrong email, username or password")
    assert row is not None
    attempt.succeeded()
    if row["status"] != "active":
        raise errors.Forbidden("The account is suspended")
    if passwords.needs_rehash(row["password_hash"]):
        repo.set_password(row["id"], passwords.hash_password(data.password))
    return _open_session(row, device_id, ip, user_agent)


def _open_session(row: dict[str, Any], device_id: str, ip: str, user_agent: str) -> TokenPair:
    refresh_token, digest = _new_token()
    now = _now()
    any_device, this_device = repo.sessions_seen(row["id"], device_id)
    with db.transaction():
        replaced = repo.revoke_device(row["id"], device_id, "replaced")
        session_id = repo.insert_session(row["id"], device_id, user_agent[:256], ip,
                                         now + SESSION_MAX_AGE)
        repo.insert_refresh_token(digest, session_id, now + REFRESH_TOKEN_TTL)
    session_endings.sessions_ended(row["id"], replaced, "replaced")
    if any_device and not this_device:
        # A device this account never signed in on (the first sign-in after registering is
        # no news): tell the owner where and when.
        _queue_email("new_device_sign_in", row["id"], {
            "device": user_agent[:200], "ip": ip, "signed_in_at": now.strftime("%Y-%m-%d %H:%M UTC")})
        observability.count("NewDeviceSignIn")
    return _token_pair(row, device_id, session_id, refresh_token)


def refresh(refresh_token: str, device_id: str) -> TokenPair:
    digest = _digest(refresh_token)
    new_token, new_digest = _new_token()
    now = _now()
    revoked: str | None = None
    reason = ""
    with db.transaction():
        row = repo.refresh_token_for_update(digest)
        if row is None or row["revoked_at"] is not None:
            raise InvalidRefreshToken("The refresh token is invalid or revoked")
        if row["used_at"] is not None or row["device_id"] != device_id:
            # Committed before the 401 goes out: the rollback of a raise would undo it.
            reason = "reuse" if row["used_at"] else "wrong_device"
            repo.revoke_session(row["session_id"], reason)
            revoked = row["session_id"]
        elif row["expires_at"] <= now or row["session_expires_at"] <= now:
            raise InvalidRefreshToken("The refresh token has expired")
        elif row["status"] != "active":
            raise errors.Forbidden("The account is suspended")
        else:
            repo.mark_refresh_token_used(digest)
            repo.insert_refresh_token(new_digest, row["session_id"],
                                      min(now + REFRESH_TOKEN_TTL, row["session_expires_at"]))
            repo.touch_session(row["session_id"])
    if revoked:
        session_endings.sessions_ended(row["user_id"], [revoked], reason)
        observability.log_warning("refresh token reuse: family revoked", session_id=revoked)
        observability.count("RefreshTokenReuse")
        raise InvalidRefreshToken("The refresh token was already used; the session is revoked")
    user = repo.user_by_id(row["user_id"])
    assert user is not None
    return _token_pair(user, device_id, row["session_id"], new_token)


def _token_pair(user: dict[str, Any], device_id: str, session_id: str,
                refresh_token: str) -> TokenPair:
    """A fresh access token for the session, with the refresh token and the user."""
    return TokenPair(
        access_token=keyset().issue(user_id=user["id"], role=user["role"], device_id=device_id,
                                    session_id=session_id,
                                    email_verified=user["email_verified_at"] is not None),
        refresh_token=refresh_token, expires_in=ACCESS_TOKEN_TTL_S, user=user_out(user),
    )


def logout(caller: Caller) -> None:
    if repo.revoke_session(caller.session_id, "logout"):
        session_endings.sessions_ended(caller.user_id, [caller.session_id], "logout")


def list_sessions(caller: Caller) -> list[SessionOut]:
    return [SessionOut(**row, current=row["session_id"] == caller.session_id)
            for row in repo.live_sessions(caller.user_id)]


def revoke_device(caller: Caller, device_id: str) -> None:
    """Sign the caller out on one of their devices; NotFound for devices they have no session on."""
    revoked = repo.revoke_device(caller.user_id, device_id, "revoked_by_user")
    if not revoked:
        raise errors.NotFound("No session on that device")
    session_endings.sessions_ended(caller.user_id, revoked, "revoked_by_user")


# ---------------------------------------------------------------- the account

def me(caller: Caller) -> UserOut:
    row = repo.user_by_id(caller.user_id)
    if row is None:
        raise errors.Unauthorized("The account no longer exists")
    return user_out(row)


def update_me(caller: Caller, changes: dict[str, Any]) -> UserOut:
    row = repo.update_profile(caller.user_id, changes)
    if row is None:
        raise errors.Unauthorized("The account no longer exists")
    queue_index_event("user", caller.user_id)
    return user_out(row)


def set_user_status(actor: Caller, user_id: str, status: str) -> None:
    """Suspend or reinstate an account (moderators and admins); takes effect at the gateway."""
    require_role(actor, "moderator")
    if status not in ("active", "suspended"):
        raise errors.Invalid(f"Unknown status {status!r}")
    if user_id == actor.user_id:
        raise errors.Forbidden("You cannot change your own status")
    if not repo.set_status(user_id, status):
        raise errors.NotFound("No such user")
    session_state.remember_user_status(user_id, status)
