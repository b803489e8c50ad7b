"""What the chat routes and WebSocket actions accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plaza.models import AttachedMedia, Written

MAX_TEXT = 4000
MAX_GROUP = 50
MAX_TITLE = 100
MAX_MEDIA = 10


class ConversationIn(BaseModel):
    """The body of POST /v1/conversations: one username is a direct conversation, more a group."""

    model_config = ConfigDict(extra="forbid")

    usernames: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        min_length=1, max_length=MAX_GROUP)
    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE)


class ConversationPatch(BaseModel):
    """The body of PATCH /v1/conversations/{id}: a group's new title (null clears it)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(min_length=1, max_length=MAX_TITLE)


class MembersIn(BaseModel):
    """The body of POST /v1/conversations/{id}/members: who joins a group."""

    model_config = ConfigDict(extra="forbid")

    usernames: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(
        min_length=1, max_length=MAX_GROUP)


class MessageIn(BaseModel):
    """A message to send; `client_msg_id` makes a resend store nothing new."""

    model_config = ConfigDict(extra="ignore")

    client_msg_id: str = Field(min_length=1, max_length=100)
    text: Written = Field(min_length=1, max_length=MAX_TEXT)
    # The sender's own ready chat media (plaza.media checks them; 422 naming the id otherwise).
    media_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=MAX_MEDIA)

    @field_validator("media_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("media ids must be distinct")
        return ids


class ReadIn(BaseModel):
    """The body of POST /v1/conversations/{id}/read: read up to this message (default: the last)."""

    model_config = ConfigDict(extra="forbid")

    message_id: UUID | None = None


class Member(BaseModel):
    id: str
    username: str


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    seq: int
    sender_id: str | None
    client_msg_id: str
    text: str
    media_ids: list[str] = []
    # The ready media of media_ids, each variant a 15-minute signed URL (chat media is private).
    media: list[AttachedMedia] = []
    created_at: dt.datetime


class ConversationOut(BaseModel):
    id: str
    kind: Literal["direct", "group"]
    title: str | None
    members: list[Member]
    created_at: dt.datetime
    last_message: MessageOut | None = None
    unread_count: int = 0


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None
