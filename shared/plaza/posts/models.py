"""What the post routes accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 5000
MAX_MEDIA = 10
MAX_COMMENT = 2000

Visibility = Literal["public", "followers"]


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


# Text a person wrote: something besides whitespace.
Written = Annotated[str, AfterValidator(_not_blank)]


class PostIn(BaseModel):
    """The body of POST /v1/posts."""

    model_config = ConfigDict(extra="forbid")

    text: Written = Field(min_length=1, max_length=MAX_TEXT)
    media_ids: list[str] = Field(default_factory=list, max_length=MAX_MEDIA)
    visibility: Visibility = "public"
    reply_to: UUID | None = Field(None, description="id of the post this one answers")

    @field_validator("media_ids")
    @classmethod
    def _media_ids(cls, ids: list[str]) -> list[str]:
        if any(not 1 <= len(media_id) <= 100 for media_id in ids):
            raise ValueError("each media id has 1 to 100 characters")
        if len(set(ids)) != len(ids):
            raise ValueError("media ids must be distinct")
        return ids


class PostEdit(BaseModel):
    """The body of PATCH /v1/posts/{id}: only the text changes, within the edit window."""

    model_config = ConfigDict(extra="forbid")

    text: Written = Field(min_length=1, max_length=MAX_TEXT)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Written = Field(min_length=1, max_length=MAX_COMMENT)


class Author(BaseModel):
    id: str
    username: str
    display_name: str
    avatar_media_id: str | None


class Mention(BaseModel):
    id: str
    username: str


class PostOut(BaseModel):
    """A post as a viewer who may see it sees it."""

    id: str
    author: Author
    text: str
    media_ids: list[str]
    visibility: Visibility
    reply_to: str | None
    hashtags: list[str]
    mentions: list[Mention]
    like_count: int
    comment_count: int
    liked_by_me: bool = False
    created_at: dt.datetime
    edited: bool
    edited_at: dt.datetime | None


class PostPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class CommentOut(BaseModel):
    id: str
    post_id: str
    author: Author
    text: str
    created_at: dt.datetime


class CommentPage(BaseModel):
    items: list[CommentOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
