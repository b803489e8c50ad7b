"""Who a queued email goes to and what identity adds to it, for plaza.emails.delivery: the
account's current address and display name, and a fresh token for verification and reset mail
(minted at send time, so no token waits in the queue and each retry sends a working one)."""

from __future__ import annotations

from typing import Any

from plaza.config import settings
from plaza.emails import QueuedEmail
from plaza.identity import repo, service

# Accounts that still get mail: a deletion being scheduled or cancelled is news to its owner.
_MAILED_STATUSES = frozenset({"active", "deleting"})


def address_of(message: QueuedEmail) -> str | None:
    """The address to mail: the account's (a user id, or an address naming an account) or, for
    mail that needs no account, the queued address itself."""
    if message.to_user_id is not None:
        user = repo.user_by_id(message.to_user_id)
        return str(user["email"]) if user and user["status"] in _MAILED_STATUSES else None
    assert message.to_address is not None
    if message.template == "reset_password":
        user = repo.user_by_email(message.to_address)
        # The stored spelling; no account (or a suspended one): nothing to send.
        return str(user["email"]) if user and user["status"] == "active" else None
    return message.to_address


def prepare(message: QueuedEmail, address: str) -> dict[str, Any] | None:
    """The display name, and the link and token for verify and reset mail; None when the account
    no longer needs it (verified meanwhile)."""
    user = (repo.user_by_id(message.to_user_id) if message.to_user_id is not None
            else repo.user_by_email(address))
    if user is None:
        # Mail to an address with no account needs no token and has no name to add.
        return None if message.template in ("verify_email", "reset_password") else {}
    extra: dict[str, Any] = {"display_name": user["display_name"]}
    base = settings().app_base_url.rstrip("/")
    if message.template == "verify_email":
        if user["email_verified_at"] is not None:
            return None
        token = service.mint_email_token(user["id"], "verify_email")
        extra.update(token=token, link=f"{base}/verify-email?token={token}")
    elif message.template == "reset_password":
        token = service.mint_email_token(user["id"], "reset_password")
        extra.update(token=token, link=f"{base}/reset-password?token={token}")
    elif message.template == "new_device_sign_in":
        extra["sessions_url"] = f"{base}/settings/sessions"
    return extra
