"""What every WebSocket action passes before it acts: the connection's session is still live, and
the user is within the action's rate-limit budget, the same one their HTTP routes spend.

A refused frame gets an `error` frame (`session_ended`, `rate_limited` with `retry_after`) and is
never acted on; a domain error the action raises is answered the same way, as its problem's
error frame (plaza.websocket.problem_frame, the twin of problem+json). The connection stays
open: an ended session's connections are closed from where the session ends
(plaza.realtime.hub.close_session), and a busy user only waits.

How to tell whether a session is live is identity's to say, and the hub imports no domain
(docs/architecture.md): a domain above both registers the check (plaza.notifications.sessions),
and each WebSocket function imports it. With no check registered an action fails rather than
acting on a session nobody checked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from plaza import errors, ratelimit, websocket
from plaza.budget import Invocation
from plaza.stores import realtime

# (user_id, session_id) -> None when the session is live; Unauthorized/Forbidden when it has ended.
SessionCheck = Callable[[str, str], None]
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

_session_checks: list[SessionCheck] = []


def check_sessions_with(check: SessionCheck) -> None:
    if check not in _session_checks:
        _session_checks.append(check)


def session_checks() -> int:
    """How many session checks the imports of the running function have registered."""
    return len(_session_checks)


def websocket_action(budget: str | None = None) -> Callable[[Handler], Handler]:
    """Decorate a WebSocket route's handler: run it only for a live session within `budget`
    (a plaza.ratelimit group, counted per user; None for actions that spend none), and answer a
    plaza.errors.PlazaError it raises with that error's frame."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def guarded(event: dict[str, Any], context: Any) -> dict[str, Any]:
            # Each frame is its own invocation, as each HTTP request is (plaza.http.endpoint):
            # its Redis calls, the checks' included, share one time budget of their own.
            with Invocation():
                refusal = refusal_of(event, budget)
                if refusal is None:
                    try:
                        return handler(event, context)
                    except errors.PlazaError as error:
                        refusal = websocket.problem_frame(error, websocket.message(event))
                # A connection closed meanwhile has nobody left to tell.
                with contextlib.suppress(realtime.ConnectionGone):
                    realtime.post_to_connection(websocket.connection_id(event), refusal)
                return websocket.ok()

        return guarded

    return decorate


def refusal_of(event: dict[str, Any], budget: str | None) -> dict[str, Any] | None:
    """The error frame refusing this frame, or None when it may be acted on."""
    request = websocket.message(event)
    caller = (event.get("requestContext") or {}).get("authorizer") or {}
    user_id, session_id = str(caller.get("user_id") or ""), str(caller.get("session_id") or "")
    if not _session_checks:
        raise LookupError("no session check is registered: import plaza.notifications.sessions")
    try:
        if not user_id or not session_id:
            raise errors.Unauthorized("The connection names no session")
        for check in _session_checks:
            check(user_id, session_id)
        if budget is not None:
            ratelimit.check(budget, f"user:{user_id}")
    except errors.RateLimited as error:
        frame = websocket.error_frame("rate_limited", error.status, error.detail, request)
        frame["retry_after"] = error.retry_after
        return frame
    except (errors.Unauthorized, errors.Forbidden):
        return websocket.error_frame("session_ended", 401,
                                     "This session has ended; sign in again", request)
    except errors.PlazaError as error:
        return websocket.problem_frame(error, request)
    return None
