"""Who was active, and how many sockets were open: counted in Redis as requests pass.

Active users: the authorizer adds each caller it vouches for to a HyperLogLog of the UTC day and
one of the hour (one round trip; 12 KB per key at most, ~0.81% error). The day keys live long
enough for a month's union (MAU), the hour keys for a week of reruns; the hourly rollup persists
the counts. Recording is fail-open: analytics never refuses a request.

WebSocket connections: `$connect` and `$disconnect` move a live gauge, and each move raises the
hour's peak to the gauge's value (a Lua script, so the read and the raise are one step).
"""

from __future__ import annotations

import datetime as dt

from plaza import errors, observability
from plaza.stores import cache

PREFIX = "analytics:"
DAY_TTL_S = 35 * 86400  # MAU unions 30 days; the rest lets a late rerun still find its days
HOUR_TTL_S = 8 * 86400
LIVE_KEY = f"{PREFIX}ws:live"

# KEYS[1] the live gauge, KEYS[2] this hour's peak; ARGV[1] +1 or -1, ARGV[2] the peak's TTL.
# A close counts the connection before it went (the peak saw it open); the gauge never drops
# below zero (a $disconnect whose $connect predates the gauge).
_MOVE_GAUGE = """
local before = tonumber(redis.call('GET', KEYS[1]) or '0')
local after = before + tonumber(ARGV[1])
if after < 0 then after = 0 end
redis.call('SET', KEYS[1], after)
local seen = math.max(before, after)
local peak = tonumber(redis.call('GET', KEYS[2]) or '0')
if seen > peak then redis.call('SET', KEYS[2], seen, 'EX', ARGV[2]) end
return after
"""


def _utc(at: dt.datetime | None) -> dt.datetime:
    return (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def day_key(day: dt.date) -> str:
    return f"{PREFIX}active:day:{day.isoformat()}"


def hour_key(hour: dt.datetime) -> str:
    return f"{PREFIX}active:hour:{_utc(hour):%Y-%m-%dT%H}"


def peak_key(hour: dt.datetime) -> str:
    return f"{PREFIX}ws:peak:{_utc(hour):%Y-%m-%dT%H}"


def record_active(user_id: str, at: dt.datetime | None = None) -> None:
    """Count `user_id` active today and this hour; fail-open (a Redis failure is logged)."""
    now = _utc(at)
    day, hour = day_key(now.date()), hour_key(now)
    try:
        (cache.client().batch(atomic=False)
         .pfadd(day, user_id).expire(day, DAY_TTL_S, nx=True)
         .pfadd(hour, user_id).expire(hour, HOUR_TTL_S, nx=True)
         .execute())
    except (errors.Unavailable, cache.CommandError) as error:
        observability.log_warning("active user not recorded", error=str(error))


def connection_opened(at: dt.datetime | None = None) -> None:
    _move_gauge(+1, at)


def connection_closed(at: dt.datetime | None = None) -> None:
    _move_gauge(-1, at)


def _move_gauge(delta: int, at: dt.datetime | None) -> None:
    try:
        cache.client().eval(_MOVE_GAUGE, [LIVE_KEY, peak_key(_utc(at))], [delta, HOUR_TTL_S])
    except (errors.Unavailable, cache.CommandError) as error:
        observability.log_warning("connection gauge not moved", error=str(error))


def active_in_hour(hour: dt.datetime) -> int:
    return cache.client().pfcount(hour_key(hour))


def active_in_days(last_day: dt.date, days: int) -> int:
    """Distinct users active on `last_day` and the `days - 1` before it (PFCOUNT merges them)."""
    keys = [day_key(last_day - dt.timedelta(days=back)) for back in range(days)]
    return cache.client().pfcount(*keys)


def peak_connections(hour: dt.datetime) -> int | None:
    """The most sockets open at once in the hour, or None if none opened or closed in it."""
    value = cache.client().get(peak_key(hour))
    return None if value is None else int(value)


def live_connections() -> int:
    return int(cache.client().get(LIVE_KEY) or 0)
