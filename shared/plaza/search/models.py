"""What the search routes accept and return."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plaza.models import PostOut, Written
from plaza.social.models import ProfileOut

MAX_QUERY_CHARS = 200
MAX_PAGE_SIZE = 50
SUGGESTIONS = 10

Kind = Literal["users", "posts", "hashtags"]


class SearchQuery(BaseModel):
    """`GET /v1/search`: the text, what to find, a page, and for posts optional filters."""

    model_config = ConfigDict(extra="ignore")

    q: Written = Field(min_length=1, max_length=MAX_QUERY_CHARS,
                       description="words to find; symbols are text, never operators")
    type: Kind = "posts"
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, min_length=1, max_length=400,
                               description="next_cursor of the previous page, as given")
    lang: Literal["en", "es"] | None = Field(
        None, description="stop words and synonyms of this language; every language when absent")
    author: str | None = Field(None, min_length=1, max_length=50, description="posts: a username")
    hashtag: str | None = Field(None, min_length=1, max_length=100,
                                description="posts: a hashtag, with or without '#'")
    since: dt.datetime | None = Field(None, description="posts: created at or after")
    until: dt.datetime | None = Field(None, description="posts: created before")


class SuggestionQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: Written = Field(min_length=1, max_length=MAX_QUERY_CHARS)


class UserHit(ProfileOut):
    highlight: str = Field(description="username, display name and bio, HTML-escaped, matches in <mark>")


class PostHit(PostOut):
    highlight: str = Field(description="the text, HTML-escaped, the matched words in <mark>")


class HashtagHit(BaseModel):
    tag: str
    post_count: int
    last_used_at: dt.datetime
    highlight: str


class SearchPage(BaseModel):
    items: list[UserHit | PostHit | HashtagHit] = Field(description="all of the type asked for")
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")
    estimated_total: int = Field(description="matches the caller may see, counted for the first"
                                 " page (Meilisearch: its estimate, before visibility)")


class Suggestion(BaseModel):
    type: Literal["user", "hashtag"]
    id: str = Field(description="a user id, or a hashtag")
    label: str = Field(description="@username, or #hashtag")


class SuggestionList(BaseModel):
    items: list[Suggestion]


class TrendingQuery(BaseModel):
    query: str = Field(description="normalised: lower case, no accents, single spaces")
    count: int


class TrendingQueries(BaseModel):
    items: list[TrendingQuery]


MAX_INSIGHT_DAYS = 31


class InsightsQuery(BaseModel):
    """`?from=&to=` (dates, UTC, inclusive; today when absent), at most 31 days."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _a_short_forward_range(self) -> InsightsQuery:
        if self.from_ and self.to and not 0 <= (self.to - self.from_).days < MAX_INSIGHT_DAYS:
            raise ValueError(f"to must be on or after from, at most {MAX_INSIGHT_DAYS} days on")
        return self


class DayInsights(BaseModel):
    date: dt.date
    popular: list[TrendingQuery] = Field(description="the 10 most searched queries")
    zero_results: list[TrendingQuery] = Field(description="the 10 most searched that found nothing")


class SearchInsights(BaseModel):
    days: list[DayInsights]
