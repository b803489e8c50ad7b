"""What the post routes accept and return (a post itself is plaza.models.PostOut)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plaza.models import Author, Visibility, Written

MAX_TEXT = 5000
MAX_MEDIA = 10
MAX_COMMENT = 2000


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


class CommentOut(BaseModel):
    id: str
    post_id: str
    author: Author
    text: str
    created_at: dt.datetime


class CommentPage(BaseModel):
    items: list[CommentOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
