"""What reports and the moderator queue accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from plaza.identity.models import clean_text
from plaza.models import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

TargetType = Literal["post", "comment", "user", "message"]
Reason = Literal["spam", "abuse", "nudity", "violence", "other"]
Action = Literal["dismiss", "take_down", "warn", "suspend", "ban"]
Status = Literal["open", "resolved"]


def _multiline(value: str) -> str:
    return clean_text(value, multiline=True)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType
    target_id: UUID
    reason: Reason
    note: Annotated[str, Field(max_length=1000), AfterValidator(_multiline)] | None = None


class ReportOut(BaseModel):
    id: str
    target_type: TargetType
    target_id: str
    reason: Reason
    note: str | None
    status: Status
    created_at: dt.datetime
    resolution: Action | None = None
    resolved_at: dt.datetime | None = None


class ReportEnvelope(BaseModel):
    report: ReportOut


class QueueQuery(BaseModel):
    """`?status=&target_type=&limit=&cursor=` of the moderator queue; query strings are text."""

    model_config = ConfigDict(extra="ignore")

    status: Status = "open"
    target_type: TargetType | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=200,
                               description="next_cursor of the previous page, as given")


class ReportedTarget(BaseModel):
    """One reported target in the queue: its reports grouped, the content as first reported."""

    report_id: str = Field(description="resolve the whole group through this id")
    target_type: TargetType
    target_id: str
    target_author_id: str | None
    reporters: int = Field(description="distinct users who reported it")
    reasons: dict[str, int]
    notes: list[str]
    snapshot: dict[str, Any]
    hidden: bool = Field(description="hidden pending review, or removed")
    first_reported_at: dt.datetime
    last_reported_at: dt.datetime
    resolution: Action | None
    resolved_at: dt.datetime | None


class QueuePage(BaseModel):
    items: list[ReportedTarget]
    next_cursor: str | None


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    reason: Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_multiline)]


class Resolution(BaseModel):
    target_type: TargetType
    target_id: str
    action: Action
    reports_resolved: int
