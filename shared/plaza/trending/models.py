"""What the trending and recommendation routes accept and return (posts come as PostPage)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50


class RankedPageQuery(BaseModel):
    """`?limit=&cursor=` of a ranked list (trending, recommendations)."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=40,
                               description="next_cursor of the previous page, as given")


class HashtagQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(10, ge=1, le=MAX_PAGE_SIZE)


class TrendingHashtag(BaseModel):
    tag: str = Field(description="lower case, without '#'")
    score: float = Field(description="decayed engagement over the last 24 h, as worth now")


class HashtagList(BaseModel):
    items: list[TrendingHashtag]
