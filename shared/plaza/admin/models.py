"""What the admin API accepts and returns."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from plaza.identity.models import Role, UserOut, clean_text
from plaza.models import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

Status = Literal["active", "suspended", "deleted"]


class UserQuery(BaseModel):
    """`?query=&status=&limit=&cursor=` of the user list; query strings are text."""

    model_config = ConfigDict(extra="ignore")

    query: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(clean_text)] | None = (
        Field(None, description="part of a username, email or display name, case ignored"))
    status: Status | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=200,
                               description="next_cursor of the previous page, as given")


Reason = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(clean_text)]


class RoleIn(BaseModel):
    # strict: "role": 1 is a type error, not a silently coerced role.
    model_config = ConfigDict(extra="forbid", strict=True)

    role: Role
    reason: Reason | None = Field(None, description="why, for the audit log")


class ReasonIn(BaseModel):
    """The optional body of a suspension or reinstatement: why, for the audit log."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class AdminUserOut(UserOut):
    """The account as moderators see it: the owner's view plus status and live sessions."""

    status: Status
    live_sessions: int


class AdminUserEnvelope(BaseModel):
    user: AdminUserOut


class AdminUserPage(BaseModel):
    items: list[AdminUserOut]
    next_cursor: str | None


class QueueDepth(BaseModel):
    depth: int = Field(description="messages waiting (approximate)")
    in_flight: int = Field(description="messages received and not yet deleted")
    oldest_age_s: int | None = Field(description="age of the oldest message; null when unknown")


class QueueOut(BaseModel):
    name: str
    queue: QueueDepth
    dead_letters: QueueDepth


class QueuePage(BaseModel):
    items: list[QueueOut]


class DeadLetterQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(10, ge=1, le=10)


class DeadLetter(BaseModel):
    message_id: str
    sent_at: dt.datetime
    receive_count: int
    body: Any = Field(description="the message body, tokens and secrets redacted")


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]


class QueueWork(BaseModel):
    """What a redrive moved or a purge deleted."""

    name: str
    messages: int
