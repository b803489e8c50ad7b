"""Where every ended session goes once its revocation has committed: logout, a device signed out,
a password reset, a refresh token reused, a login replacing the device's session, a suspension
or a demotion.

The authorizer's cache learns of it first (plaza.identity.session_state). Then each callback a
domain above identity registered at import runs (plaza.notifications.sessions: the session's
sockets close, its device's push token goes): identity imports no such domain
(docs/architecture.md). A failing callback is logged; the revocation stands, and the authorizer
and every WebSocket action refuse the session whatever the callback did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from plaza import observability
from plaza.identity import session_state


@dataclass(frozen=True)
class EndedSessions:
    """Sessions of one user that have just ended, and why (`revoked_reason` in the database)."""

    user_id: str
    session_ids: tuple[str, ...]
    reason: str


SessionsEnded = Callable[[EndedSessions], None]

_callbacks: list[SessionsEnded] = []


def on_sessions_ended(callback: SessionsEnded) -> None:
    """Also call `callback` whenever sessions end (once per callback, however often imported)."""
    if callback not in _callbacks:
        _callbacks.append(callback)


def callbacks() -> int:
    """How many callbacks the imports of the running function have registered."""
    return len(_callbacks)


def sessions_ended(user_id: str, session_ids: Iterable[str], reason: str) -> None:
    """Tell the authorizer's cache and every registered callback; call after the commit."""
    ended = EndedSessions(user_id, tuple(session_ids), reason)
    session_state.remember_revoked(ended.session_ids)
    if not ended.session_ids:
        return
    if not _callbacks:
        observability.log_warning("sessions ended with no callback registered", reason=reason)
    for callback in _callbacks:
        try:
            callback(ended)
        except Exception as error:  # noqa: BLE001 - the revocation has committed and stands
            observability.log_error("session end not carried out", reason=reason,
                                    error=error, callback=getattr(callback, "__name__", ""))
            observability.count("SessionEndFailed", reason=reason)
