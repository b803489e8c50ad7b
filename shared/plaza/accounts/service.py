"""Account deletion: a signed-in user asks with their password, the account is hidden and signed
out at once, and 7 days later (unless they sign in again through the cancel route) the
account_deletion state machine carries it out, one idempotent step at a time. The username is
freed 30 days after the request.

The steps themselves are plaza.accounts.deletion_steps (only the step function loads them).
"""

from __future__ import annotations

import datetime as dt
import json

from plaza import emails, errors, observability
from plaza.accounts import repo
from plaza.accounts.models import DeletionIn, DeletionOut
from plaza.identity import passwords, session_endings, session_state, throttle
from plaza.identity import repo as identity_repo
from plaza.identity.models import LoginIn
from plaza.stores.search_events import queue_index_event

GRACE = dt.timedelta(days=7)
USERNAME_HELD = dt.timedelta(days=30)
REVOKED_REASON = "account_deleted"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def request_deletion(user_id: str, body: DeletionIn) -> DeletionOut:
    """Schedule the caller's deletion (their password again) and end every session now; asking
    again while one is scheduled answers the scheduled one."""
    user = identity_repo.user_by_id(user_id)
    row = identity_repo.user_with_hash(user["username"], "username") if user else None
    if not passwords.verify_password(row["password_hash"] if row else None, body.password):
        raise errors.Forbidden("Wrong password")
    now = _now()
    new = repo.schedule(user_id, now, now + GRACE, now + USERNAME_HELD)
    scheduled = new or repo.deletion(user_id)
    assert scheduled is not None
    session_state.remember_user_status(user_id, "deleting")
    queue_index_event("user", user_id)  # out of Meilisearch's users (search hides it already)
    session_endings.sessions_ended(user_id, identity_repo.revoke_user_sessions(user_id,
                                                                              REVOKED_REASON),
                                   REVOKED_REASON)
    if new is not None:
        _queue_email("deletion_scheduled", user_id,
                     {"delete_at": f"{scheduled['due_at']:%Y-%m-%d %H:%M UTC}"})
    observability.count("AccountDeletionRequested")
    return DeletionOut(**scheduled)


def _queue_email(template: str, user_id: str, context: dict[str, str]) -> None:
    """The deletion stands whether or not its email could be queued (logged, then)."""
    try:
        emails.enqueue(template, to_user_id=user_id, context=context)
    except errors.Unavailable as exc:
        observability.log_error("email not queued", template=template, error=exc)


def cancel_deletion(data: LoginIn, ip: str) -> None:
    """Signing in again within the grace period cancels the deletion and shows the account again
    (the caller then logs in as usual). Wrong passwords count as at login."""
    attempt = throttle.LoginThrottle(data.identifier, ip)
    attempt.check()
    row = identity_repo.user_with_hash(data.identifier,
                                       "email" if data.email is not None else "username")
    if not passwords.verify_password(row["password_hash"] if row else None, data.password):
        attempt.failed()
        raise errors.Unauthorized("Wrong email, username or password")
    assert row is not None
    if repo.cancel(row["id"], _now()) is None:
        raise errors.Conflict("No deletion of this account is waiting to be cancelled")
    session_state.remember_user_status(row["id"], "active")
    queue_index_event("user", str(row["id"]))
    _queue_email("deletion_cancelled", row["id"], {})
    observability.count("AccountDeletionCancelled")


def start_due_deletions(machine_arn: str, limit: int = 100) -> dict[str, int]:
    """Free the usernames due, mark the due deletions running and start the state machine for
    each running deletion: once an hour at most per deletion (the execution is named by the
    hour), so one an outage stopped is started again an hour later; its steps do not mind."""
    # lazy: botocore, which the routes of this domain never use
    from plaza.stores import aws

    now = _now()
    freed = repo.free_usernames(now)
    claimed = repo.claim_due(now, limit)
    stepfunctions = aws.client("stepfunctions")
    started = 0
    for user_id in dict.fromkeys(claimed + repo.running(limit)):
        try:
            stepfunctions.start_execution(
                stateMachineArn=machine_arn, name=f"deletion-{user_id}-{now:%Y%m%d%H}",
                input=json.dumps({"user_id": user_id}))
            started += 1
        except stepfunctions.exceptions.ExecutionAlreadyExists:
            continue
    observability.count("AccountDeletionsStarted", started)
    return {"claimed": len(claimed), "started": started, "usernames_freed": freed}
