"""What a session means to the devices it reaches: a WebSocket action runs only while its session
is live, and when the session ends its open sockets close and its device's push token is deleted.

Identity (sessions) and realtime (sockets) sit side by side at the bottom of the stack and import
neither each other nor anything above them; notifications, the lowest domain above both, joins
them by registering with each when imported (docs/architecture.md). Every function that ends a
session, and every WebSocket action, imports this module.
"""

from __future__ import annotations

from plaza import observability
from plaza.identity import session_state
from plaza.identity.session_endings import EndedSessions, on_sessions_ended
from plaza.realtime import actions, hub

# A login replacing the device's own session keeps the device, and so its push token.
KEEPS_PUSH_TOKEN = frozenset({"replaced"})


def close_sockets(ended: EndedSessions) -> None:
    """Close the sessions' open connections; a frame sent before they close is refused anyway."""
    closed = sum(hub.close_session(session_id) for session_id in ended.session_ids)
    observability.log_info("sockets of ended sessions closed", reason=ended.reason, closed=closed)


def forget_push_tokens(ended: EndedSessions) -> None:
    """Delete the push tokens of the devices the sessions were on."""
    if ended.reason in KEEPS_PUSH_TOKEN:
        return
    # lazy: psycopg, which the WebSocket actions importing this module for the check never use
    from plaza.notifications import repo

    repo.delete_session_push_tokens(list(ended.session_ids))


# Each on its own: a failure to close sockets does not keep a push token alive, nor the reverse.
on_sessions_ended(close_sockets)
on_sessions_ended(forget_push_tokens)
actions.check_sessions_with(session_state.ensure_active)
