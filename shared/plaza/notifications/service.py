"""Notification rules: store each event once, deliver it live or as a push; pages, reads, preferences.

The consumer stores a notification once per (recipient, dedupe_key), then delivers it: live to
every WebSocket connection of an online recipient, else as a push to each registered device.
Delivery happens only when the row was new, so a redelivered SQS message neither stores nor
pushes twice; the price is that a crash between the insert and the push loses that push (the
notification itself is stored and listed).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from plaza import errors, observability
from plaza.identity.gateway import DEVICE_ID, Caller, require_role
from plaza.models import PageQuery
from plaza.notifications import repo
from plaza.notifications.models import (
    CALL_KINDS,
    KINDS,
    SYSTEM_KINDS,
    AnnouncementIn,
    NotificationOut,
    NotificationPage,
    Preferences,
    PreferencesIn,
    ReadIn,
    ReadOut,
    WebPushKeyOut,
    WebPushSubscriptionIn,
)
from plaza.notifications.topics import ANNOUNCEMENTS
from plaza.pagination import decode_cursor, page_of
from plaza.stores import push

UNREAD_CAP = 1000

_TEXT = {
    "follow": "{actor} followed you",
    "like": "{actor} liked your post",
    "comment": "{actor} commented on your post",
    "mention": "{actor} mentioned you",
    "message": "{actor} sent you a message",
    # No {actor}: moderators act for Plaza, not in their own name.
    "moderation": "Plaza moderation: an update on a report or on your content",
    "export_ready": "Your Plaza data export is ready to download",
    "call": "{actor} is calling you",
    "call_missed": "Missed call from {actor}",
}


class BadEvent(ValueError):
    """A queue message no retry can fix: dropped, not redelivered."""


def event_from_message(body: dict[str, Any]) -> dict[str, Any]:
    """A queue message as (kind, recipient_id, actor_id, data, dedupe_key).

    Producers send notify()'s shape; the post fan-out state machine sends mentions as
    {kind: mention, post_id, author_id, user_id}, one per mentioned user and post.
    """
    kind = body.get("kind")
    if kind not in KINDS + CALL_KINDS + SYSTEM_KINDS:
        raise BadEvent(f"unknown notification kind {kind!r}")
    try:
        if kind in SYSTEM_KINDS:  # Plaza's own notice: no actor
            return {"kind": kind, "recipient_id": str(uuid.UUID(str(body["recipient_id"]))),
                    "actor_id": None, "data": dict(body.get("data") or {}),
                    "dedupe_key": str(body["dedupe_key"])[:200]}
        if kind == "mention" and "user_id" in body:
            post_id = str(uuid.UUID(str(body["post_id"])))
            return {"kind": "mention", "recipient_id": str(uuid.UUID(str(body["user_id"]))),
                    "actor_id": str(uuid.UUID(str(body["author_id"]))),
                    "data": {"post_id": post_id}, "dedupe_key": f"mention:{post_id}"}
        return {"kind": kind, "recipient_id": str(uuid.UUID(str(body["recipient_id"]))),
                "actor_id": str(uuid.UUID(str(body["actor_id"]))),
                "data": dict(body.get("data") or {}), "dedupe_key": str(body["dedupe_key"])[:200]}
    except (KeyError, TypeError, ValueError) as exc:
        raise BadEvent(f"malformed {kind} notification") from exc


def handle(body: dict[str, Any]) -> NotificationOut | None:
    """Store and deliver one queued event; the notification, or None when nothing was stored
    (a redelivery, a kind the recipient turned off, a block between the two, oneself)."""
    event = event_from_message(body)
    recipient, actor, kind = event["recipient_id"], event["actor_id"], event["kind"]
    if actor is None:
        if not repo.recipient_active(recipient):
            return None
    elif recipient == actor or not repo.recipient_accepts(recipient, kind, actor):
        return None
    row = repo.insert(recipient, kind, actor, event["data"], event["dedupe_key"])
    if row is None:
        observability.count("NotificationDuplicate", kind=kind)
        return None
    notification = NotificationOut(**row)
    observability.count("NotificationStored", kind=kind)
    if not _deliver_live(recipient, notification):
        _push(recipient, notification)
    return notification


def _deliver_live(recipient: str, notification: NotificationOut) -> bool:
    """Send the notification to the recipient's open connections; False when none took it."""
    # lazy: the @connections client is cold-start weight the inbox routes never use
    from plaza.realtime import delivery

    try:
        reached = delivery.send_to_user(recipient, {"type": "notification",
                                                    "notification": notification.model_dump(mode="json")})
    except Exception:  # noqa: BLE001 - Redis or @connections down: fall back to a push
        observability.log_exception("live notification failed", recipient_id=recipient)
        return False
    return reached > 0


def push_text(notification: NotificationOut) -> str:
    return _TEXT[notification.kind].format(actor=notification.actor_username or "Someone")


def _push(recipient: str, notification: NotificationOut) -> int:
    """Push to each of the recipient's devices; how many pushes SNS accepted. Fail-open per device."""
    sent = 0
    data = {"notification_id": notification.id, "kind": notification.kind, **notification.data}
    for token in repo.push_tokens(recipient):
        if token["platform"] == "webpush":
            sent += _web_push(recipient, token, notification, data)
            continue
        try:
            endpoint = token["endpoint_arn"] or push.create_endpoint(token["platform"], token["token"])
            if endpoint is None:
                continue
            if token["endpoint_arn"] is None:
                repo.set_endpoint(recipient, token["device_id"], endpoint)
            push.send(endpoint, token["platform"], "Plaza", push_text(notification), data)
            sent += 1
        except push.EndpointGone:
            repo.delete_push_token(recipient, token["device_id"])
        except Exception:  # noqa: BLE001 - one device's failure must not stop the others
            observability.log_exception("push failed", recipient_id=recipient)
            observability.count("NotificationPushFailed")
    if sent:
        observability.count("NotificationPushed", value=sent)
    return sent


def _web_push(recipient: str, token: dict[str, Any], notification: NotificationOut,
              data: dict[str, Any]) -> int:
    """Push to one browser subscription; 1 when the push service accepted it. A subscription
    the service says is gone (404/410) is deleted. Fail-open, as for the mobile devices."""
    # lazy: pywebpush and its crypto load with the first browser push, not with the consumer
    from plaza.stores import webpush

    payload = {"title": "Plaza", "body": push_text(notification), "data": data}
    try:
        webpush.send(token["token"], token["web_push_keys"], payload)
    except webpush.SubscriptionGone:
        repo.delete_push_token(recipient, token["device_id"])
        observability.count("WebPushSubscriptionGone")
        return 0
    except Exception:  # noqa: BLE001 - one browser's failure must not stop the others
        observability.log_exception("web push failed", recipient_id=recipient)
        observability.count("NotificationPushFailed")
        return 0
    return 1


def page(user_id: str, query: PageQuery) -> NotificationPage:
    """One page of the user's notifications, newest first, with the unread count."""
    after = decode_cursor(query.cursor)
    rows = repo.page(user_id, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "created_at", "id")
    return NotificationPage(items=[NotificationOut(**row) for row in items], next_cursor=next_cursor,
                            unread_count=repo.unread_count(user_id, UNREAD_CAP))


def mark_read(user_id: str, body: ReadIn) -> ReadOut:
    ids = None if body.all else [str(value) for value in body.ids or []]
    updated = repo.mark_read(user_id, ids)
    return ReadOut(updated=updated, unread_count=repo.unread_count(user_id, UNREAD_CAP))


def preferences(user_id: str) -> Preferences:
    off = repo.disabled_kinds(user_id)
    return Preferences(**{kind: kind not in off for kind in KINDS})


def update_preferences(user_id: str, body: PreferencesIn) -> Preferences:
    changes = {kind: value for kind, value in body.model_dump().items() if value is not None}
    if changes:
        repo.set_preferences(user_id, changes)
    return preferences(user_id)


def register_push_token(user_id: str, device_id: str, platform: str, token: str) -> None:
    if not DEVICE_ID.fullmatch(device_id):
        raise errors.Invalid(errors=[{"field": "path.device_id", "type": "device_id",
                                      "message": "must be 8-128 visible ASCII characters"}])
    repo.save_push_token(user_id, device_id, platform, token)


def register_own_push_token(caller: Caller, device_id: str, platform: str, token: str) -> None:
    """Register the token of the device the caller is signed in on, and of no other: the token
    lives as long as that device's session (plaza.notifications.sessions deletes it)."""
    if device_id != caller.device_id:
        raise errors.Forbidden("A push token can be registered only for the device signed in")
    register_push_token(caller.user_id, device_id, platform, token)


def register_own_web_push(caller: Caller, device_id: str, subscription: WebPushSubscriptionIn) -> None:
    """Register the browser's Web Push subscription for the device (browser) signed in; its
    endpoint must be a known push service's (the consumer posts to it)."""
    from plaza.stores.webpush import endpoint_allowed

    if device_id != caller.device_id:
        raise errors.Forbidden("A push token can be registered only for the device signed in")
    if not DEVICE_ID.fullmatch(device_id):
        raise errors.Invalid(errors=[{"field": "path.device_id", "type": "device_id",
                                      "message": "must be 8-128 visible ASCII characters"}])
    if not endpoint_allowed(subscription.endpoint):
        raise errors.Invalid(errors=[{"field": "body.endpoint", "type": "push_service",
                                      "message": "must be an https URL of a browser push service"}])
    repo.save_push_token(caller.user_id, device_id, "webpush", subscription.endpoint,
                         subscription.keys.model_dump())


def web_push_key() -> WebPushKeyOut:
    """The VAPID public key browsers subscribe with; 404 when this stage has no Web Push key."""
    # lazy: py_vapid and its crypto load only where a key is asked for
    from plaza.stores import webpush

    key = webpush.public_key()
    if key is None:
        raise errors.NotFound("Web Push is not configured")
    return WebPushKeyOut(public_key=key)


def announce(caller: Caller, body: AnnouncementIn) -> dict[str, Any]:
    """Broadcast an announcement to every connection subscribed to `announcements` (admins only).

    Not stored: an announcement is for whoever is connected now.
    """
    require_role(caller, "admin")
    # lazy: the @connections client is cold-start weight the inbox routes never use
    from plaza.realtime import delivery

    announcement = {"id": str(uuid.uuid4()), "title": body.title, "text": body.text,
                    "from": caller.user_id,
                    "created_at": dt.datetime.now(dt.UTC).isoformat()}
    reached = delivery.publish(ANNOUNCEMENTS, {"type": "announcement", "announcement": announcement})
    observability.log_info("announcement sent", announcement_id=announcement["id"], reached=reached)
    return {**announcement, "reached": reached}
