"""Notifications in and out of the API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

# "moderation": the outcome of a report, for its reporter and the reported content's author.
Kind = Literal["follow", "like", "comment", "mention", "message", "moderation"]
KINDS: tuple[str, ...] = ("follow", "like", "comment", "mention", "message", "moderation")
# Plaza's own notices, queued with no actor (no block applies, no preference turns them
# off): "export_ready", the user's data export can be downloaded.
SYSTEM_KINDS: tuple[str, ...] = ("export_ready",)
# Calls (plaza.chat.calls): "call", someone is calling (queued only for a member no socket
# reached, so it is pushed), and "call_missed". Blocks apply; no preference turns them off.
CALL_KINDS: tuple[str, ...] = ("call", "call_missed")
MAX_READ_IDS = 100


class NotificationOut(BaseModel):
    id: str
    kind: str
    actor_id: str | None
    actor_username: str | None
    data: dict[str, Any]
    created_at: dt.datetime
    read: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int = Field(description="unread notifications, counted up to 1000")


class ReadIn(BaseModel):
    """`{"ids": [...]}` marks those read, `{"all": true}` every one; exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=MAX_READ_IDS)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> ReadIn:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids or all: true")
        return self


class ReadOut(BaseModel):
    updated: int
    unread_count: int


class Preferences(BaseModel):
    """Per kind: whether the user is notified (stored, delivered live and pushed)."""

    model_config = ConfigDict(extra="forbid")

    follow: bool = True
    like: bool = True
    comment: bool = True
    mention: bool = True
    message: bool = True
    moderation: bool = True


class PreferencesIn(BaseModel):
    """The kinds to change; kinds left out keep their setting."""

    model_config = ConfigDict(extra="forbid")

    follow: bool | None = None
    like: bool | None = None
    comment: bool | None = None
    mention: bool | None = None
    message: bool | None = None
    moderation: bool | None = None


class PushTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=4096, pattern=r"^[\x21-\x7e]+$")
    platform: Literal["apns", "apns_sandbox", "fcm"]


class WebPushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # base64url, as PushSubscription.toJSON() gives them: a P-256 point (65 bytes) and 16 bytes.
    p256dh: str = Field(min_length=80, max_length=100, pattern=r"^[A-Za-z0-9_-]+=*$")
    auth: str = Field(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+=*$")


class WebPushSubscriptionIn(BaseModel):
    """A browser's PushSubscription.toJSON(): where to push and the keys to encrypt with."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=12, max_length=2048, pattern=r"^https?://[\x21-\x7e]+$")
    keys: WebPushKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's own name


class WebPushKeyOut(BaseModel):
    """GET /v1/notifications/web-push-key: the applicationServerKey for PushManager.subscribe
    (base64url, an uncompressed P-256 point)."""

    public_key: str


class PushRegistrationIn(RootModel[PushTokenIn | WebPushSubscriptionIn]):
    """PUT /v1/devices/{device_id}/push-token's body: a mobile token or a browser subscription
    (the handler tells them apart by `endpoint`, for errors that name the right fields)."""


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)
