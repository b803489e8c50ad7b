"""Shapes every domain shares at its edges: the paging query, text a person wrote, and a post as
its viewer sees it (the posts, feeds and trending routes all return it).

Here, not in the first domain that needed them, so that domains lower in the stack
(docs/architecture.md) can use them without importing the ones above.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Visibility = Literal["public", "followers"]


class PageQuery(BaseModel):
    """`?limit=&cursor=` of a list; query strings are text, so limit is parsed from "20"."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=200,
                               description="next_cursor of the previous page, as given")


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


# Text a person wrote (a post, a comment, a message): something besides whitespace.
Written = Annotated[str, AfterValidator(_not_blank)]


class Author(BaseModel):
    id: str
    username: str
    display_name: str
    avatar_media_id: str | None


class Mention(BaseModel):
    id: str
    username: str


class AttachedMedia(BaseModel):
    """Media as a post, message or profile carrying it shows it (plaza.media fills it in): what
    a client needs to lay it out before loading it, and where each variant is."""

    id: str
    content_type: str
    width: int | None
    height: int | None
    blurhash: str | None
    # original, thumb, medium: CDN URLs for public media, 15-minute signed URLs for private
    variants: dict[str, str]


class PostOut(BaseModel):
    """A post as a viewer who may see it sees it."""

    id: str
    author: Author
    text: str
    media_ids: list[str]
    # The ready media of media_ids, in their order (media deleted since is left out).
    media: list[AttachedMedia] = []
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
