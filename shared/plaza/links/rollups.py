"""ClicksQueue's consumer side: read each click, name its browser and device with ua-parser, roll
a batch up in one transaction (plaza.links.repo.record_clicks: a redelivered click counts once),
then tell each link's owner, subscribed to `link:{code}`, the new totals in a `link.clicks` frame.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import lru_cache
from typing import Any

from plaza import observability
from plaza.links import repo
from plaza.realtime import delivery

UNKNOWN = "(unknown)"
DIRECT = "(direct)"
MAX_VALUE = 253


class Malformed(ValueError):
    """A message that is not a click: no retry can fix it."""


@lru_cache(maxsize=4096)
def families(user_agent: str) -> tuple[str, str]:
    """(browser family, device family) of a user agent; ua-parser's "Other" when it cannot tell."""
    # lazy: ua-parser is 0.14 s of import, paid by the consumer on its first click only
    import ua_parser

    if not user_agent:
        return UNKNOWN, UNKNOWN
    parsed = ua_parser.parse(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent else "Other"
    device = parsed.device.family if parsed.device else "Other"
    return browser[:MAX_VALUE], device[:MAX_VALUE]


def read(message: dict[str, Any]) -> dict[str, Any]:
    """The click a queue message holds, ready for the rollup; Malformed when it is none."""
    try:
        click_id = str(uuid.UUID(str(message["id"])))
        code = str(message["code"])
        at = dt.datetime.fromisoformat(str(message["at"]))
        visitor = str(message["visitor"])
    except (KeyError, TypeError, ValueError) as error:
        raise Malformed(f"not a click: {error}") from None
    if not code or len(code) > 32 or not visitor or at.tzinfo is None:
        raise Malformed("not a click: empty code or visitor, or a time without a zone")
    browser, device = families(str(message.get("user_agent") or ""))
    return {"id": click_id, "code": code, "day": at.astimezone(dt.UTC).date(),
            "visitor": visitor[:64],
            "referrer": str(message.get("referrer") or DIRECT)[:MAX_VALUE],
            "country": str(message.get("country") or UNKNOWN)[:MAX_VALUE],
            "browser": browser, "device": device}


def record(clicks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Roll the clicks up; after the commit, a `link.clicks` frame per link that gained any."""
    totals = repo.record_clicks(clicks)
    for code, total in totals.items():
        try:
            delivery.publish(f"link:{code}", {
                "type": "link.clicks", "topic": f"link:{code}", "code": code,
                "clicks": total["clicks"], "day": total["day"].isoformat(),
                "day_clicks": total["day_clicks"], "day_uniques": total["day_uniques"]})
        except Exception as error:  # noqa: BLE001 - the rollup is committed; a frame is a bonus
            observability.log_warning("link.clicks frame not sent", code=code, error=repr(error))
    return totals
