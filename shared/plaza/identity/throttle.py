"""Login slowdown: wrong passwords slow down the (account, address) pair, never the account.

After `login_failures_per_account_and_ip` failures for one account from one address within
WINDOW_S, each further failure locks that pair for twice as long as the last, from 2 s up to
`login_lock_max_s`. The owner signing in from another address is never refused for it: a
stranger cannot lock anyone out. An address guessing across accounts spends the per-IP
`login_failures` budget (plaza.ratelimit); past it that address is refused for every account.
A correct sign-in spends nothing, so one address shared by many users (a campus NAT) stays open
to those who type their passwords.

Accounts are keyed by the identifier typed, so an unknown account slows down exactly like a real
one. A success clears its pair; a password reset clears every pair of the account. Retry-After is
the real remaining time of the lock or of the budget. With Redis unreachable the throttle steps
aside (log line + `LoginThrottleFailOpen`): Argon2's cost and the gateway's route throttling still
bound guessing, and refusing every sign-in would be worse.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from plaza import observability, ratelimit
from plaza.config import settings
from plaza.errors import RateLimited, Unavailable
from plaza.stores import cache

WINDOW_S = 15 * 60

# KEYS: the pair's failure count, the pair's lock, the account's failed addresses.
# ARGV: free failures, window, longest lock, the address. Returns the lock set (s), or 0.
_FAILED = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[2]) + tonumber(ARGV[3]))
local over = n - tonumber(ARGV[1])
if over <= 0 then return 0 end
local lock = 1
for _ = 1, math.min(over, 30) do lock = lock * 2 end
lock = math.min(lock, tonumber(ARGV[3]))
redis.call('SET', KEYS[2], 1, 'EX', lock)
return lock
"""


def _account(identifier: str) -> str:
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


def _pair_keys(account: str, ip: str) -> tuple[str, str]:
    return f"login:fail:{account}:{ip}", f"login:lock:{account}:{ip}"


def _addresses_key(account: str) -> str:
    return f"login:ips:{account}"


class LoginThrottle:
    """One sign-in attempt's throttle: `identifier` (as typed) from `ip`."""

    def __init__(self, identifier: str, ip: str) -> None:
        self.ip = ip or "unknown"
        self.account = _account(identifier)
        self.count_key, self.lock_key = _pair_keys(self.account, self.ip)

    def check(self) -> None:
        """RateLimited, with the real remaining wait, while this pair is locked or this address
        has spent its failure budget."""
        waits = []
        with _fail_open():
            lock_ms = int(cache.client().eval("return redis.call('PTTL', KEYS[1])",
                                              keys=[self.lock_key]))
            if lock_ms > 0:
                waits.append(-(-lock_ms // 1000))
        try:
            ratelimit.check("login_failures", f"ip:{self.ip}", mode="peek")
        except RateLimited as refused:
            waits.append(refused.retry_after)
        if waits:
            raise RateLimited("Too many failed sign-ins from this address; try again later",
                              retry_after=max(waits))

    def failed(self) -> None:
        config = settings()
        with _fail_open():
            cache.client().eval(_FAILED, keys=[self.count_key, self.lock_key,
                                               _addresses_key(self.account)],
                                args=[config.login_failures_per_account_and_ip, WINDOW_S,
                                      config.login_lock_max_s, self.ip])
        ratelimit.check("login_failures", f"ip:{self.ip}", mode="spend")

    def succeeded(self) -> None:
        with _fail_open():
            cache.client().delete(self.count_key, self.lock_key)


def forget_account(identifiers: Iterable[str]) -> None:
    """Clear the failures and locks of an account (by each identifier it signs in with), from
    every address: after a password reset, old guesses no longer count."""
    with _fail_open():
        client = cache.client()
        for account in {_account(identifier) for identifier in identifiers}:
            addresses = client.smembers(_addresses_key(account))
            keys = [key for ip in addresses for key in _pair_keys(account, ip)]
            client.delete(_addresses_key(account), *keys)


@contextmanager
def _fail_open() -> Iterator[None]:
    try:
        yield
    except Unavailable:
        observability.log_warning("login throttle skipped: redis unreachable")
        observability.count("LoginThrottleFailOpen")
