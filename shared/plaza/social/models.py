"""What the social graph routes return (lists take plaza.models.PageQuery)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from plaza.models import AttachedMedia


class ProfileOut(BaseModel):
    """A user as another user sees them."""

    id: str
    username: str
    display_name: str
    bio: str
    avatar_media_id: str | None
    # The avatar's dimensions and variant URLs, when it is ready media.
    avatar: AttachedMedia | None = None
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
