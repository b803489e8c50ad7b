"""What GET /v1/admin/analytics accepts and returns."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Every metric the rollup writes. Active users: `dau` per day (and per hour, the users active
# within it), `wau` and `mau` per day only (the 7 and 30 days ending that day). `open_reports`
# is the moderator queue's size at the bucket's end; the others count what was created in it.
METRICS = ("dau", "wau", "mau", "signups", "posts", "comments", "likes", "messages",
           "conversations", "reports", "open_reports", "peak_connections")
DAILY_ONLY = ("wau", "mau")
# The longest range one request may read: ~13 months of days, a month of hours.
MAX_BUCKETS = {"day": 400, "hour": 744}
DEFAULT_BUCKETS = {"day": 30, "hour": 48}

Granularity = Literal["day", "hour"]


class AnalyticsQuery(BaseModel):
    """`?metrics=dau,signups&from=&to=&granularity=day|hour`; query strings are text."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    metrics: str = Field(",".join(METRICS), min_length=1, max_length=300,
                         description=f"comma-separated, of: {', '.join(METRICS)}")
    from_: dt.datetime | None = Field(
        None, alias="from", description="inclusive, ISO 8601 (UTC when no offset is given); "
        "default: 30 days (48 hours) before `to`")
    to: dt.datetime | None = Field(None, description="exclusive, ISO 8601; default: now")
    granularity: Granularity = "day"

    @field_validator("metrics")
    @classmethod
    def _known(cls, value: str) -> str:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted({name for name in names if name not in METRICS})
        if not names or unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown) or '(none given)'}; "
                             f"known: {', '.join(METRICS)}")
        return ",".join(dict.fromkeys(names))

    def metric_names(self) -> list[str]:
        return self.metrics.split(",")


class AnalyticsSeries(BaseModel):
    """Values aligned with `buckets`; null where no rollup has written that bucket."""

    granularity: Granularity
    from_: dt.datetime = Field(serialization_alias="from")
    to: dt.datetime
    buckets: list[dt.datetime]
    series: dict[str, list[int | None]]


class RollupResult(BaseModel):
    hours: list[dt.datetime]
    hourly: dict[str, dict[str, int]]
    daily: dict[str, dict[str, int]]
