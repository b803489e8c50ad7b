"""What the audit log query accepts and returns."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from plaza.models import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


class AuditQuery(BaseModel):
    """`?actor=&target=&action=&from=&to=&limit=&cursor=`; query strings are text."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    actor: UUID | None = Field(None, description="the acting user's id")
    target: str | None = Field(None, min_length=1, max_length=100,
                               description="the id of what was acted on")
    action: str | None = Field(None, min_length=1, max_length=50)
    from_: dt.datetime | None = Field(None, alias="from", description="inclusive, ISO 8601")
    to: dt.datetime | None = Field(None, description="exclusive, ISO 8601")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=200,
                               description="next_cursor of the previous page, as given")


class AuditRecord(BaseModel):
    id: str
    at: dt.datetime
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    reason: str | None
    changes: dict[str, Any]
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditRecord]
    next_cursor: str | None
