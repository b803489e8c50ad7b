"""What the /v1/links routes accept and return."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from plaza.links.targets import MAX_URL_LENGTH

ALIAS_PATTERN = r"^[A-Za-z0-9_-]{3,32}$"
# Stats cover at most this many days per request (one row per day in `days`).
MAX_STATS_DAYS = 366
TOP_ITEMS = 10  # referrers, countries, devices and browsers listed, most clicks first


class LinkIn(BaseModel):
    """The body of POST /v1/links."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    alias: str | None = Field(None, pattern=ALIAS_PATTERN,
                              description="3-32 of A-Z a-z 0-9 _ -; a random code when absent")
    expires_at: AwareDatetime | None = None


class LinkPatch(BaseModel):
    """The body of PATCH /v1/links/{code}: a new target, a new expiry, or null for none."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, min_length=1, max_length=MAX_URL_LENGTH)
    expires_at: AwareDatetime | None = None


class LinkOut(BaseModel):
    code: str
    url: str
    short_url: str
    expires_at: dt.datetime | None
    created_at: dt.datetime
    clicks: int = 0


class LinkPage(BaseModel):
    items: list[LinkOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class StatsQuery(BaseModel):
    """`?from=&to=` (dates, UTC days, both included): the last 30 days by default."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None


class DayOut(BaseModel):
    day: dt.date
    clicks: int
    uniques: int


class CountOut(BaseModel):
    value: str
    clicks: int


class StatsOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    code: str
    from_: dt.date = Field(serialization_alias="from")
    to: dt.date
    clicks: int
    uniques: int = Field(description="the sum of each day's unique visitors")
    days: list[DayOut]
    referrers: list[CountOut]
    countries: list[CountOut]
    devices: list[CountOut]
    browsers: list[CountOut]
