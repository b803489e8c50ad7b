"""Per-route-group rate limits (GCRA in Redis): the groups are here, their budgets settings
(template parameters, defaults in plaza.config).

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


# Each group's limit is a setting (a template parameter, plaza.config documents the defaults):
# group -> (the setting, the period in seconds, whom it counts).
GROUPS: dict[str, tuple[str, int, Literal["ip", "user"]]] = {
    # register, email verification, password forgot and reset (login counts only its failures)
    "auth": ("auth_requests_per_ip_per_minute", 60, "ip"),
    # wrong passwords from one address, any account (plaza.identity.throttle)
    "login_failures": ("login_failures_per_ip_per_hour", 3600, "ip"),
    # everything an authenticated user does (token refresh too, per IP: it has no caller yet)
    "core": ("core_requests_per_user_per_minute", 60, "user"),
    "media": ("media_requests_per_user_per_minute", 60, "user"),   # uploads and transforms
    "reports": ("reports_per_user_per_hour", 3600, "user"),   # POST /v1/reports
    "links": ("links_requests_per_user_per_minute", 60, "user"),   # the owner's /v1/links routes
}


def policy_of(group: str) -> Policy:
    """The group's policy from its setting, with RATE_LIMITS ("group=limit/period_s,...")
    taking precedence."""
    setting, period_s, per = GROUPS[group]
    config = settings()
    for item in config.rate_limits.split(","):
        name, _, spec = item.strip().partition("=")
        if name == group and spec:
            limit, _, period = spec.partition("/")
            return Policy(int(limit), int(period or period_s), per)
    return Policy(int(getattr(config, setting)), period_s, per)


# KEYS[1]: the subject's theoretical arrival time (ms). ARGV: now_ms, interval_ms, limit, mode:
# "take" (count the request if allowed), "peek" (count nothing) or "spend" (count it even when
# over: a failure that happened is counted). Returns {allowed (1/0), retry_after_ms, remaining,
# reset_ms}.
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local mode = ARGV[4]
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - limit * interval
local allowed = now >= allow_at
if mode == 'spend' or (allowed and mode == 'take') then
  redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
end
if not allowed then
  return {0, allow_at - now, 0, tat - now}
end
return {1, 0, math.floor((now - allow_at) / interval), new_tat - now}
"""
Mode = Literal["take", "peek", "spend"]


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


def check(group: str, subject: str, *, read: bool = True, now_ms: int | None = None,
          mode: Mode = "take") -> Decision | None:
    """Count one request; RateLimited when over the limit. None when Redis failed open
    (only when `read`; otherwise Unavailable). `mode="peek"` asks whether one more would be
    allowed without counting it; `mode="spend"` counts one whatever the answer, and never raises
    RateLimited (it has happened already)."""
    policy = policy_of(group)
    interval_ms = max(1, policy.period_s * 1000 // policy.limit)
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    try:
        allowed, retry_ms, remaining, reset_ms = (int(value) for value in cache.client().eval(
            _GCRA, keys=[f"rl:{group}:{subject}"],
            args=[now_ms, interval_ms, policy.limit, mode]))
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
    if not decision.allowed and mode != "spend":
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
    per = GROUPS[group][2]

    def decorate(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
        @wraps(fn)
        def limited(request: Request) -> Any:
            decision = check(group, subject_of(request, per))
            result = fn(request)
            if decision is None:
                return result
            response = result if isinstance(result, Response) else Response(body=result)
            response.headers.update(decision.headers())
            return response

        return limited

    return decorate
