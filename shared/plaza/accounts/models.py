"""What the account deletion routes accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DeletionIn(BaseModel):
    """The body of DELETE /v1/users/me: the password again, so a stolen session cannot."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)


class DeletionOut(BaseModel):
    status: Literal["scheduled", "cancelled", "running", "done"]
    requested_at: dt.datetime
    due_at: dt.datetime
    username_free_at: dt.datetime


class ExportOut(BaseModel):
    """A data export: `progress` is the share of pages collected (1 when ready); `download_url`,
    while ready and not expired, a presigned link to the zip (export.json + index.html)."""

    id: str
    status: Literal["pending", "running", "ready", "failed", "expired"]
    progress: float = Field(ge=0, le=1)
    requested_at: dt.datetime
    completed_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    size_bytes: int | None = None
    download_url: str | None = None
