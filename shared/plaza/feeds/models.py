"""What the feed routes accept, and the messages the fan-out state machine passes between tasks."""

from __future__ import annotations

from typing import TypedDict

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class FeedQuery(BaseModel):
    """`?limit=&cursor=` of a feed; query strings are text, so limit is parsed from "20"."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=200,
                               description="next_cursor of the previous page, as given")


class FanoutBatch(TypedDict):
    """The followers one batch writes: follows keyed (created_at, follower_id) in (after, upto].

    Keys are opaque cursors (plaza.pagination), None for an open end. A range rather than a list
    of ids: Step Functions caps a state's payload at 256 KB, and 1,000 ids alone are ~37 KB.
    """

    after: str | None
    upto: str | None


class FanoutPlan(TypedDict):
    """The state the fan-out state machine carries from page to page of the author's followers."""

    post_id: str
    author_id: str
    found: bool
    mentions: list[str]
    batches: list[FanoutBatch]
    next: str | None
