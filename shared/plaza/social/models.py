"""What the social graph routes accept and return."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class PageQuery(BaseModel):
    """`?limit=&cursor=` of a list; query strings are text, so limit is parsed from "20"."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=200,
                               description="next_cursor of the previous page, as given")


class ProfileOut(BaseModel):
    """A user as another user sees them."""

    id: str
    username: str
    display_name: str
    bio: str
    avatar_media_id: str | None
    follower_count: int
    following_count: int
    followed_by_me: bool
    follows_me: bool
    created_at: dt.datetime


class UserSummary(BaseModel):
    """One row of a followers / following list."""

    id: str
    username: str
    display_name: str
    avatar_media_id: str | None
    followed_by_me: bool
    followed_at: dt.datetime = Field(description="when this follow (the list's edge) was made")


class UserPage(BaseModel):
    items: list[UserSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class BlockedUser(BaseModel):
    """One row of the caller's own block list (the only place blocked users still appear)."""

    id: str
    username: str
    display_name: str
    avatar_media_id: str | None
    blocked_at: dt.datetime


class BlockPage(BaseModel):
    items: list[BlockedUser]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
