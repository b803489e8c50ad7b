"""Login slowdown: repeated failures per account and per IP lock further attempts for a while.

After FREE_* failures within WINDOW_S, each further failure locks the account (or IP) for twice
as long as the last, from 2 s up to MAX_LOCK_S. Accounts are keyed by the identifier typed, so
an unknown account slows down exactly like a real one. A success clears the account's count.
With Redis unreachable the throttle steps aside (log line + `LoginThrottleFailOpen`): Argon2's
cost still bounds guessing, and locking everyone out of their accounts would be worse.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from plaza import observability
from plaza.errors import RateLimited, Unavailable
from plaza.stores import cache

WINDOW_S = 15 * 60
FREE_ACCOUNT_FAILURES = 5
FREE_IP_FAILURES = 20
MAX_LOCK_S = 15 * 60

_LOCKS = "return {redis.call('TTL', KEYS[1]), redis.call('TTL', KEYS[2])}"
# KEYS: account count, ip count, account lock, ip lock. ARGV: free account, free ip, window, max.
_FAILED = """
for i = 1, 2 do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[3]) end
  local over = n - tonumber(ARGV[i])
  if over > 0 then
    local lock = 1
    for _ = 1, math.min(over, 20) do lock = lock * 2 end
    redis.call('SET', KEYS[i + 2], 1, 'EX', math.min(lock, tonumber(ARGV[4])))
  end
end
return 1
"""


class LoginThrottle:
    def __init__(self, identifier: str, ip: str) -> None:
        account = hashlib.sha256(identifier.lower().encode()).hexdigest()[:32]
        self.keys = [f"login:fail:acct:{account}", f"login:fail:ip:{ip}",
                     f"login:lock:acct:{account}", f"login:lock:ip:{ip}"]

    def check(self) -> None:
        """RateLimited (with Retry-After) while the account or the IP is locked."""
        wait = 0
        with _fail_open():
            ttls = cache.client().eval(_LOCKS, keys=self.keys[2:])
            wait = max(int(ttl) for ttl in ttls)
        if wait > 0:
            raise RateLimited("Too many failed logins; try again later", retry_after=wait)

    def failed(self) -> None:
        with _fail_open():
            cache.client().eval(_FAILED, keys=self.keys, args=[FREE_ACCOUNT_FAILURES,
                                                               FREE_IP_FAILURES, WINDOW_S,
                                                               MAX_LOCK_S])

    def succeeded(self) -> None:
        with _fail_open():
            cache.client().delete(self.keys[0], self.keys[2])


@contextmanager
def _fail_open() -> Iterator[None]:
    try:
        yield
    except Unavailable:
        observability.log_warning("login throttle skipped: redis unreachable")
        observability.count("LoginThrottleFailOpen")
