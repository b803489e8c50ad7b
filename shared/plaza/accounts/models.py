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
