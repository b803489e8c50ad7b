"""Per-route-group rate limits (GCRA in Redis), configured here and only here.

GCRA keeps one timestamp per (group, subject): O(1) memory, no burst at window edges, and the
exact wait for Retry-After. The decision runs as one Lua script, so concurrent requests from
several Lambda containers cannot both take the last slot.

When Redis is unreachable, requests go through with a log line and a `RateLimitFailOpen`
metric: an outage of the limiter must not become an outage of the API (API Gateway's own
throttling still caps the damage). `check(..., read=False)` lets a caller fail closed instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal

from plaza import errors, observability
from plaza.config import settings
from plaza.http import Request, Response
from plaza.stores import cache


@dataclass(frozen=True)
class Policy:
    limit: int
    period_s: int
    per: Literal["ip", "user"]


POLICIES: dict[str, Policy] = {
    # login, register, email verification, password forgot and reset
    "auth": Policy(limit=10, period_s=60, per="ip"),
    # everything an authenticated user does (token refresh too, per IP: it has no caller yet)
    "core": Policy(limit=100, period_s=60, per="user"),
    "media": Policy(limit=50, period_s=60, per="user"),   # uploads and transforms
}



def policy_of(group: str) -> Policy:
    """The group's policy, with RATE_LIMITS ("group=limit/period_s,...") taking precedence."""
    default = POLICIES[group]
    for item in settings().rate_limits.split(","):
        name, _, spec = item.strip().partition("=")
        if name == group and spec:
            limit, _, period = spec.partition("/")
            return Policy(int(limit), int(period or default.period_s), default.per)
    return default


# KEYS[1]: the subject's theoretical arrival time (ms). ARGV: now_ms, interval_ms, limit.
# Returns {allowed (1/0), retry_after_ms, remaining, reset_ms}.
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - limit * interval
if now < allow_at then
  return {0, allow_at - now, 0, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return {1, 0, math.floor((now - allow_at) / interval), new_tat - now}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int
    retry_after_s: int
    period_s: int

    def headers(self) -> dict[str, str]:
        """IETF draft RateLimit headers (and Retry-After when refused)."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
            "RateLimit-Policy": f"{self.limit};w={self.period_s}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_s)
        return headers


def check(group: str, subject: str, *, read: bool = True,
          now_ms: int | None = None) -> Decision | None:
    """Count one request; RateLimited when over the limit. None when Redis failed open
    (only when `read`; otherwise Unavailable)."""
    policy = policy_of(group)
    interval_ms = max(1, policy.period_s * 1000 // policy.limit)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    try:
        allowed, retry_ms, remaining, reset_ms = (int(value) for value in cache.client().eval(
            _GCRA, keys=[f"rl:{group}:{subject}"], args=[now_ms, interval_ms, policy.limit]))
    except errors.Unavailable:
        if not read:
            raise
        observability.log_warning("rate limit skipped: redis unreachable", group=group)
        observability.count("RateLimitFailOpen", group=group)
        return None
    decision = Decision(
        allowed=bool(allowed), limit=policy.limit, remaining=max(0, remaining),
        reset_s=max(0, -(-reset_ms // 1000)), retry_after_s=max(1, -(-retry_ms // 1000)),
        period_s=policy.period_s,
    )
    if not decision.allowed:
        error = errors.RateLimited(retry_after=decision.retry_after_s)
        error.headers.update(decision.headers())
        raise error
    return decision


def subject_of(request: Request, per: str) -> str:
    if per == "user":
        user_id = request.authorizer.get("user_id")
        if user_id:
            return f"user:{user_id}"
    return f"ip:{request.source_ip or 'unknown'}"


def rate_limited(group: str) -> Callable[[Callable[[Request], Any]], Callable[[Request], Any]]:
    """Decorate an `endpoint` function: count the request against `group`, add the headers."""
    policy = POLICIES[group]

    def decorate(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
        @wraps(fn)
        def limited(request: Request) -> Any:
            decision = check(group, subject_of(request, policy.per))
            result = fn(request)
            if decision is None:
                return result
            response = result if isinstance(result, Response) else Response(body=result)
            response.headers.update(decision.headers())
            return response

        return limited

    return decorate
