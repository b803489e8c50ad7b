"""Moderation rules: who may list, suspend, ban, reinstate and re-role whom.

Every function checks the actor's role itself, whatever the route in front of it checked.
Moderators act on users ranked below them; only admins change roles, and never their own, and
only admins lift a ban. Each action writes its audit record in its own transaction.
Suspending or demoting someone revokes their sessions: refresh tokens stop working and the
authorizer refuses their access tokens, so no token outlives the decision by more than the
authorizer's cache (60 s); their open sockets close at once and refuse every frame meanwhile.
"""

from __future__ import annotations

from typing import Any

# Notifications registers, when imported, what an ended session does to its devices (sockets
# close, push tokens go): suspending and demoting end sessions wherever admin runs.
import plaza.notifications.sessions  # noqa: F401
from plaza import errors, observability
from plaza.admin import repo
from plaza.admin.models import AdminUserOut, AdminUserPage, UserQuery
from plaza.audit import service as audit
from plaza.identity import repo as identity_repo
from plaza.identity import service as identity_service
from plaza.identity import session_endings
from plaza.identity.gateway import ROLE_RANK, Caller, require_role
from plaza.pagination import decode_cursor, page_of
from plaza.stores import db
from plaza.stores.search_events import queue_index_event


def _admin_user(row: dict[str, Any]) -> AdminUserOut:
    return AdminUserOut(**identity_service.user_out(row).model_dump(), status=row["status"],
                        live_sessions=row["live_sessions"])


def _target(user_id: str) -> dict[str, Any]:
    row = repo.user_detail(user_id)
    if row is None:
        raise errors.NotFound("No such user")
    if row["status"] == "deleted":
        raise errors.Conflict("The account is deleted")
    return row


def list_users(actor: Caller, query: UserQuery) -> AdminUserPage:
    """One page of accounts, newest first, filtered by text and status."""
    require_role(actor, "moderator")
    after = decode_cursor(query.cursor)
    rows = repo.user_page(query.query, query.status, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "created_at", "id")
    return AdminUserPage(items=[_admin_user(row) for row in items], next_cursor=next_cursor)


def get_user(actor: Caller, user_id: str) -> AdminUserOut:
    require_role(actor, "moderator")
    row = repo.user_detail(user_id)
    if row is None:
        raise errors.NotFound("No such user")
    return _admin_user(row)


def suspend(actor: Caller, user_id: str, reason: str | None = None,
            ban: bool = False) -> AdminUserOut:
    """Suspend (or ban: a suspension only an admin lifts) the account and revoke every session
    it has (idempotent)."""
    require_role(actor, "moderator")
    target = _target(user_id)
    _outranks(actor, target)
    with db.transaction():
        identity_service.set_user_status(actor, user_id, "suspended")
        if ban:
            repo.set_banned(user_id, True)
        revoked = identity_repo.revoke_user_sessions(user_id, "suspended")
        audit.record(actor, "user.ban" if ban else "user.suspend", "user", user_id, reason=reason,
                     before=_standing(target),
                     after={"status": "suspended", "banned": ban or target["banned_at"] is not None,
                            "sessions_revoked": len(revoked)})
    session_endings.sessions_ended(user_id, revoked, "suspended")
    queue_index_event("user", user_id)
    observability.log_info("user banned" if ban else "user suspended", user_id=user_id,
                           by=actor.user_id, sessions_revoked=len(revoked))
    observability.count("UserBanned" if ban else "UserSuspended")
    return get_user(actor, user_id)


def reinstate(actor: Caller, user_id: str, reason: str | None = None) -> AdminUserOut:
    """Make a suspended account active again; its owner logs in anew (idempotent). Lifting a
    ban takes an admin."""
    require_role(actor, "moderator")
    target = _target(user_id)
    _outranks(actor, target)
    if target["banned_at"] is not None:
        require_role(actor, "admin")
    with db.transaction():
        identity_service.set_user_status(actor, user_id, "active")
        repo.set_banned(user_id, False)
        audit.record(actor, "user.reinstate", "user", user_id, reason=reason,
                     before=_standing(target), after={"status": "active", "banned": False})
    queue_index_event("user", user_id)
    observability.log_info("user reinstated", user_id=user_id, by=actor.user_id)
    return get_user(actor, user_id)


def _standing(row: dict[str, Any]) -> dict[str, Any]:
    return {"status": row["status"], "banned": row["banned_at"] is not None}


def set_role(actor: Caller, user_id: str, role: str, reason: str | None = None) -> AdminUserOut:
    """Give an account a role (admins only). A demotion revokes the account's sessions, since
    its access tokens still carry the old role; a promotion shows in the next refreshed token."""
    require_role(actor, "admin")
    if user_id == actor.user_id and role != actor.role:
        raise errors.Forbidden("You cannot change your own role")
    target = _target(user_id)
    revoked: list[str] = []
    if role != target["role"]:
        with db.transaction():
            repo.set_role(user_id, role)
            if ROLE_RANK[role] < ROLE_RANK[target["role"]]:
                revoked = identity_repo.revoke_user_sessions(user_id, "role_changed")
            audit.record(actor, "user.role", "user", user_id, reason=reason,
                         before={"role": target["role"]},
                         after={"role": role, "sessions_revoked": len(revoked)})
        session_endings.sessions_ended(user_id, revoked, "role_changed")
        observability.log_info("role changed", user_id=user_id, by=actor.user_id,
                               old=target["role"], new=role)
    return get_user(actor, user_id)


def _outranks(actor: Caller, target: dict[str, Any]) -> None:
    """Forbidden unless the actor ranks above the target (acting on yourself is refused later)."""
    if target["id"] != actor.user_id and ROLE_RANK[target["role"]] >= ROLE_RANK[actor.role]:
        raise errors.Forbidden(f"A {actor.role} cannot change the status of a {target['role']}")
