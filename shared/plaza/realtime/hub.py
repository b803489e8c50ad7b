"""Connection lifecycle and topics: registering on `$connect`, presence to conversation partners,
who may subscribe to what.
"""

from __future__ import annotations

import re
from typing import Any

from plaza import observability
from plaza.realtime import delivery, registry
from plaza.realtime.models import PresenceItem, PresenceOut

TOPIC = re.compile(r"(user|conversation|post):([0-9A-Za-z-]{1,64})|announcements")
MAX_TOPIC_LENGTH = 80


def connected(connection_id: str, user_id: str, device_id: str) -> None:
    was_online = registry.is_online(user_id)
    registry.register(connection_id, user_id, device_id)
    if not was_online:
        announce_presence(user_id, online=True)


def disconnected(connection_id: str) -> None:
    departure = registry.unregister(connection_id)
    if departure is not None and not departure.still_online:
        announce_presence(departure.user_id, online=False)


def announce_presence(user_id: str, *, online: bool) -> int:
    """Tell the user's conversation partners; a failure here must not fail the (dis)connect."""
    try:
        from plaza.chat.service import partner_ids

        frame = delivery.encode({"type": "presence", "user_id": user_id, "online": online})
        partners = partner_ids(user_id)
        targets = [connection_id for partner in sorted(partners)
                   for connection_id in registry.connections_of(partner)]
        return delivery.post_many(targets, frame)
    except Exception as error:  # noqa: BLE001 - presence is best effort
        observability.log_warning("presence not announced", user_id=user_id, error=str(error))
        return 0


def may_subscribe(user_id: str, topic: str) -> bool:
    """`user:{id}` own only, `conversation:{id}` members, `post:{id}` visible posts,
    `announcements` anyone."""
    match = TOPIC.fullmatch(topic)
    if match is None:
        return False
    kind, target = match.group(1), match.group(2)
    if kind is None:
        return True
    if kind == "user":
        return target == user_id
    if kind == "conversation":
        from plaza.chat.service import is_member

        return is_member(user_id, target)
    from plaza import errors
    from plaza.posts.service import visible_post

    try:
        visible_post(user_id, target)
    except (errors.NotFound, errors.Invalid, errors.BadRequest):
        return False
    return True


def subscribe(connection_id: str, user_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The frame answering a `subscribe` request."""
    topic = request.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC_LENGTH:
        return error("invalid", "`topic` must be a string of 1-80 characters", request)
    if not may_subscribe(user_id, topic):
        return error("forbidden", f"Not allowed to subscribe to {topic!r}", request)
    if not registry.subscribe(connection_id, topic):
        return error("limit", "This connection cannot take more topics", request)
    return reply({"type": "subscribed", "topic": topic}, request)


def unsubscribe(connection_id: str, request: dict[str, Any]) -> dict[str, Any]:
    topic = request.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC_LENGTH:
        return error("invalid", "`topic` must be a string of 1-80 characters", request)
    registry.unsubscribe(connection_id, topic)
    return reply({"type": "unsubscribed", "topic": topic}, request)


def error(code: str, detail: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
    return reply({"type": "error", "code": code, "detail": detail}, request or {})


def reply(frame: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The frame, echoing the request's `id` so clients can match answers to requests."""
    if "id" in request:
        frame["id"] = request["id"]
    return frame


def presence(viewer_id: str, user_ids: list[str]) -> PresenceOut:
    """Who is online; a user behind a block with the viewer (either way) shows as offline."""
    from plaza.social.service import blocked_among

    online = registry.online_users(user_ids) - blocked_among(viewer_id, user_ids)
    return PresenceOut(items=[PresenceItem(user_id=user_id, online=user_id in online)
                              for user_id in user_ids])
