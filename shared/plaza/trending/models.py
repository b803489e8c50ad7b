"""What the trending and recommendation routes accept and return (posts come as PostPage)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from plaza.models import DEFAULT_PAGE_SIZE, PageQuery

MAX_PAGE_SIZE = 50


class RankedPageQuery(PageQuery):
    """`?limit=&cursor=` of a ranked list (trending, recommendations): smaller pages."""

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class HashtagQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(10, ge=1, le=MAX_PAGE_SIZE)


class TrendingHashtag(BaseModel):
    tag: str = Field(description="lower case, without '#'")
    score: float = Field(description="decayed engagement over the last 24 h, as worth now")


class HashtagList(BaseModel):
    items: list[TrendingHashtag]
