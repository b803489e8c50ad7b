"""Every hour (EventBridge schedule): roll up analytics for the hour that just ended and the
current one so far, and their days (plaza.analytics.service). Idempotent: a rerun rewrites the
same rows. The scheduled event's `time` is the run's "now", so a retried delivery rolls up the
hours it was scheduled for; `{"hour": "2026-12-06T09:00:00Z"}` reruns one hour by hand.
"""

import datetime as dt
from typing import Any

from plaza import errors, observability
from plaza.analytics import service


def _hours(event: dict[str, Any]) -> list[dt.datetime]:
    try:
        if event.get("hour"):
            return [service.hour_start(dt.datetime.fromisoformat(str(event["hour"])))]
        if event.get("time"):
            return service.hours_to_roll(dt.datetime.fromisoformat(str(event["time"])))
    except ValueError as error:
        raise errors.BadRequest(f"Not an ISO 8601 time: {error}") from error
    return service.hours_to_roll(dt.datetime.now(dt.UTC))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = service.rollup(_hours(event or {}))
    observability.log_info("analytics rolled up", hours=[hour.isoformat() for hour in result.hours])
    return result.model_dump(mode="json")
