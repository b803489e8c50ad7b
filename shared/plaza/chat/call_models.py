"""What the call routes and WebSocket actions accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

CallKind = Literal["audio", "video"]
CallStatus = Literal["ringing", "active", "ended", "missed", "declined"]


class CallIn(BaseModel):
    """The body of POST /v1/calls."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: UUID
    kind: CallKind


class CallToken(BaseModel):
    """What a participant joins the provider's channel with: the caller gets it from POST
    /v1/calls, a member who accepts in the `call.accepted` frame."""

    call_id: str
    channel: str
    token: str
    uid: int = Field(description="the participant's user id in the channel (Agora uid)")
    expires_at: dt.datetime
    kind: CallKind
    provider: str
    app_id: str


class CallOut(BaseModel):
    """A call in the log: answer and end times, and durations in seconds."""

    id: str
    conversation_id: str
    caller_id: str | None
    kind: CallKind
    status: CallStatus
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    ended_by: str | None
    ring_seconds: float | None = Field(description="from start to answer, or to the end if unanswered")
    duration_seconds: float | None = Field(description="from answer to end; null if never answered")


class CallPage(BaseModel):
    items: list[CallOut]
    next_cursor: str | None
