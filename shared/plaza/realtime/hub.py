"""Connection lifecycle and topics: registering on `$connect`, closing a session's connections,
presence to those who may hear it, who may subscribe to what (as the domains registered it in
plaza.realtime.rules).
"""

from __future__ import annotations

import re
from typing import Any

from plaza import observability
from plaza.realtime import delivery, registry, rules
from plaza.realtime.models import PresenceItem, PresenceOut
from plaza.stores import realtime
from plaza.websocket import error_frame, reply

# `kind:id` (the kind's owner decides, see plaza.realtime.rules) or a bare topic name.
TOPIC = re.compile(r"(?:([a-z]{1,20}):([0-9A-Za-z-]{1,64}))|([a-z]{1,40})")
MAX_TOPIC_LENGTH = 80


def connected(connection_id: str, user_id: str, device_id: str, session_id: str = "") -> None:
    was_online = registry.is_online(user_id)
    registry.register(connection_id, user_id, device_id, session_id)
    if not was_online:
        announce_presence(user_id, online=True)


def close_session(session_id: str) -> int:
    """Close the session's open connections through @connections; how many it closed. Their
    `$disconnect` then unregisters them and tells partners, as for any close."""
    closed = 0
    for connection_id in registry.connections_of_session(session_id):
        try:
            realtime.delete_connection(connection_id)
            closed += 1
        except realtime.ConnectionGone:
            registry.unregister(connection_id)
    return closed


def disconnected(connection_id: str) -> None:
    departure = registry.unregister(connection_id)
    if departure is not None and not departure.still_online:
        announce_presence(departure.user_id, online=False)


def announce_presence(user_id: str, *, online: bool) -> int:
    """Tell those who may hear it; a failure here must not fail the (dis)connect."""
    try:
        frame = delivery.encode({"type": "presence", "user_id": user_id, "online": online})
        targets = [connection_id for other in sorted(rules.presence_audience(user_id))
                   for connection_id in registry.connections_of(other)]
        return delivery.post_many(targets, frame)
    except Exception as error:  # noqa: BLE001 - presence is best effort
        observability.log_warning("presence not announced", user_id=user_id, error=str(error))
        return 0


def may_subscribe(user_id: str, topic: str) -> bool:
    """Whether a rule registered for the topic lets the user in; unknown topics are refused."""
    match = TOPIC.fullmatch(topic)
    if match is None:
        return False
    kind, target, name = match.groups()
    return rules.may_subscribe(user_id, kind, target or name)


def _topic_error(request: dict[str, Any]) -> dict[str, Any]:
    return error_frame("invalid", 422, "`topic` must be a string of 1-80 characters", request)


def subscribe(connection_id: str, user_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The frame answering a `subscribe` request."""
    topic = request.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC_LENGTH:
        return _topic_error(request)
    if not may_subscribe(user_id, topic):
        return error_frame("forbidden", 403, f"Not allowed to subscribe to {topic!r}", request)
    if not registry.subscribe(connection_id, topic):
        return error_frame("limit", 429, "This connection cannot take more topics", request)
    return reply({"type": "subscribed", "topic": topic}, request)


def unsubscribe(connection_id: str, request: dict[str, Any]) -> dict[str, Any]:
    topic = request.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC_LENGTH:
        return _topic_error(request)
    registry.unsubscribe(connection_id, topic)
    return reply({"type": "unsubscribed", "topic": topic}, request)


def presence(viewer_id: str, user_ids: list[str]) -> PresenceOut:
    """Who is online, of those the registered rules show the viewer (partners, followed users)
    and do not hide (blocks); anyone else shows as offline, a stranger included."""
    shown = rules.shown_presence(viewer_id, user_ids) - rules.hidden_presence(viewer_id, user_ids)
    online = registry.online_users(user_ids) & shown
    return PresenceOut(items=[PresenceItem(user_id=user_id, online=user_id in online)
                              for user_id in user_ids])
