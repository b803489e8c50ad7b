"""Redis for counters, rate limits, presence and leaderboards: Upstash REST or a Redis server.

UPSTASH_REDIS_REST_URL wins when set: Upstash speaks HTTP, so a Lambda holds no socket across
freezes. Otherwise REDIS_URL is used through redis-py. Both backends run the same raw commands,
declared once in the `Commands` table (a call's arguments -> the command, and the decoder of its
reply), so callers see one behaviour (strings, ints, floats), run alone or batched.
A dead or stalled Redis fails fast with `Unavailable`: short timeouts (settings), no retry after
a timeout, and each request's Redis time bounded by its budget (plaza.budget).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, ParamSpec, TypeVar, overload

from plaza import budget
from plaza.config import settings
from plaza.errors import Unavailable

if TYPE_CHECKING:
    import redis
    import upstash_redis

STORE = "redis"  # the name this store's time is counted under in plaza.budget
T = TypeVar("T")
P = ParamSpec("P")
Args = tuple[Any, ...]  # a raw command: its name, then its arguments


class CommandError(Exception):
    """Redis refused a command (wrong type, bad argument): a bug, not an outage."""


class Command(NamedTuple, Generic[T]):
    """One Redis command and how to turn its reply into the documented Python type."""

    args: Args
    parse: Callable[[Any], T]


def _text(reply: Any) -> Any:
    if isinstance(reply, bytes):
        return reply.decode()
    if isinstance(reply, list | tuple):
        return [_text(item) for item in reply]
    return reply


def _str_or_none(reply: Any) -> str | None:
    return None if reply is None else str(_text(reply))


def _int(reply: Any) -> int:
    return int(reply or 0)


def _float(reply: Any) -> float:
    return float(_text(reply))


def _float_or_none(reply: Any) -> float | None:
    return None if reply is None else _float(reply)


def _ok(reply: Any) -> bool:
    # Upstash and raw Redis say "OK"; redis-py's own callbacks say True; SET NX says None/nil.
    return reply is True or _text(reply) == "OK"


def _bool(reply: Any) -> bool:
    return bool(reply)


def _strings(reply: Any) -> list[str]:
    return [str(item) for item in _text(list(reply or []))]


def _string_set(reply: Any) -> set[str]:
    return set(_strings(reply))


def _mapping(reply: Any) -> dict[str, str]:
    if isinstance(reply, dict):
        return {str(_text(k)): str(_text(v)) for k, v in reply.items()}
    flat = _strings(reply)
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _scored(reply: Any) -> list[tuple[str, float]]:
    items = list(reply or [])
    if items and isinstance(items[0], list | tuple):  # already paired by the client
        return [(str(_text(member)), float(score)) for member, score in items]
    flat = _text(items)
    return [(str(member), float(score)) for member, score in zip(flat[::2], flat[1::2],
                                                                   strict=True)]


def _raw(reply: Any) -> Any:
    return _text(reply)


def _pong(reply: Any) -> bool:
    return _text(reply) in ("PONG", True)


class Row(Generic[P, T]):
    """One row of the command table: how a call's arguments become the command's, and how its
    reply is read. On a Cache the row runs at once; on a Batch it is queued."""

    def __init__(self, args: Callable[P, Args], parse: Callable[[Any], T]) -> None:
        self.args, self.parse = args, parse
        self.__doc__ = args.__doc__

    def command(self, *args: P.args, **kwargs: P.kwargs) -> Command[T]:
        return Command(self.args(*args, **kwargs), self.parse)

    @overload
    def __get__(self, target: None, owner: type[Any]) -> Row[P, T]: ...

    @overload
    def __get__(self, target: Batch, owner: type[Any]) -> Callable[P, Batch]: ...

    @overload
    def __get__(self, target: Cache, owner: type[Any]) -> Callable[P, T]: ...

    def __get__(self, target: Commands | None, owner: type[Any]) -> Any:
        if target is None:
            return self
        submit = target._submit

        def call(*args: P.args, **kwargs: P.kwargs) -> Any:
            return submit(self.command(*args, **kwargs))

        return call


def row(parse: Callable[[Any], T]) -> Callable[[Callable[P, Args]], Row[P, T]]:
    """Declare a table row: the decorated function maps a call to the command's arguments."""

    def declare(args: Callable[P, Args]) -> Row[P, T]:
        return Row(args, parse)

    return declare


class Commands(ABC):
    """The commands Plaza uses, one row each; adding a command is adding a row.

    Both backends send these same raw commands (only the transport differs), Cache runs a row
    at once (`cache.get(key)` is the value) and Batch queues it (`batch.get(key)` is the batch).
    """

    @abstractmethod
    def _submit(self, command: Command[Any]) -> Any: ...

    @row(_pong)
    def ping() -> Args:
        return ("PING",)

    @row(_str_or_none)
    def get(key: str) -> Args:
        return ("GET", key)

    @row(_ok)
    def set(key: str, value: str | int | float, ex: int | None = None, nx: bool = False) -> Args:
        """Store `value`; with nx=True only when the key is absent (False if it existed)."""
        return ("SET", key, value, *(("EX", int(ex)) if ex is not None else ()),
                *(("NX",) if nx else ()))

    @row(_int)
    def delete(*keys: str) -> Args:
        return ("DEL", *keys)

    @row(_bool)
    def exists(key: str) -> Args:
        return ("EXISTS", key)

    @row(_int)
    def incr(key: str, amount: int = 1) -> Args:
        return ("INCRBY", key, int(amount))

    @row(_bool)
    def expire(key: str, seconds: int, nx: bool = False) -> Args:
        return ("EXPIRE", key, int(seconds), *(("NX",) if nx else ()))

    @row(_int)
    def ttl(key: str) -> Args:
        """Seconds left; -1 without expiry, -2 when the key does not exist."""
        return ("TTL", key)

    @row(_str_or_none)
    def hget(key: str, field: str) -> Args:
        return ("HGET", key, field)

    @row(_int)
    def hset(key: str, mapping: Mapping[str, str | int | float]) -> Args:
        return ("HSET", key, *(item for field, value in mapping.items() for item in (field, value)))

    @row(_mapping)
    def hgetall(key: str) -> Args:
        return ("HGETALL", key)

    @row(_int)
    def hdel(key: str, *fields: str) -> Args:
        return ("HDEL", key, *fields)

    @row(_int)
    def zadd(key: str, scores: Mapping[str, float]) -> Args:
        return ("ZADD", key, *(item for member, score in scores.items()
                               for item in (float(score), member)))

    @row(_float)
    def zincrby(key: str, amount: float, member: str) -> Args:
        return ("ZINCRBY", key, float(amount), member)

    @row(_float_or_none)
    def zscore(key: str, member: str) -> Args:
        return ("ZSCORE", key, member)

    @row(_strings)
    def zrevrange(key: str, start: int, stop: int) -> Args:
        """Members from the highest score down; `stop` is inclusive, -1 is the last."""
        return ("ZREVRANGE", key, start, stop)

    @row(_scored)
    def zrevrange_with_scores(key: str, start: int, stop: int) -> Args:
        return ("ZREVRANGE", key, start, stop, "WITHSCORES")

    @row(_int)
    def zrem(key: str, *members: str) -> Args:
        return ("ZREM", key, *members)

    @row(_int)
    def zremrangebyscore(key: str, low: float | str, high: float | str) -> Args:
        return ("ZREMRANGEBYSCORE", key, low, high)

    @row(_int)
    def zcard(key: str) -> Args:
        return ("ZCARD", key)

    @row(_int)
    def sadd(key: str, *members: str) -> Args:
        return ("SADD", key, *members)

    @row(_int)
    def srem(key: str, *members: str) -> Args:
        return ("SREM", key, *members)

    @row(_string_set)
    def smembers(key: str) -> Args:
        return ("SMEMBERS", key)

    @row(_int)
    def pfadd(key: str, *members: str) -> Args:
        """Add to a HyperLogLog (distinct counts in 12 KB at most, ~0.81% error)."""
        return ("PFADD", key, *members)

    @row(_int)
    def pfcount(*keys: str) -> Args:
        """The estimated distinct members of the union of these HyperLogLogs."""
        return ("PFCOUNT", *keys)

    @row(_raw)
    def eval(script: str, keys: Iterable[str] = (), args: Iterable[Any] = ()) -> Args:
        """Run a Lua script; replies come back as str / int / lists of them."""
        keys = list(keys)
        return ("EVAL", script, len(keys), *keys, *args)


class Cache(Commands):
    """A backend: sends raw commands, alone or many in one round trip."""

    backend: str

    @abstractmethod
    def _send(self, args: Args) -> Any: ...

    @abstractmethod
    def _send_many(self, commands: list[Args], atomic: bool) -> list[Any]: ...

    @abstractmethod
    def close(self) -> None: ...

    def run(self, command: Command[T]) -> T:
        return command.parse(self._within_budget(lambda: self._send(command.args)))

    def _within_budget(self, send: Callable[[], T]) -> T:
        """One round trip, charged to this invocation's Redis budget: once that is spent, the
        call fails at once, as a stalled Redis would after its timeout."""
        if budget.spent(STORE) >= settings().redis_request_budget_s:
            raise Unavailable("Redis has spent this request's time budget", dependency="redis")
        started = time.monotonic()
        try:
            return send()
        finally:
            budget.charge(STORE, time.monotonic() - started)

    _submit = run

    def incr(self, key: str, amount: int = 1, ex: int | None = None) -> int:
        """Add `amount`; a first increment also starts the key's `ex`-second lifetime."""
        if ex is None:
            return self.run(Commands.incr.command(key, amount))
        value, _ = self.batch().incr(key, amount).expire(key, ex, nx=True).execute()
        return int(value)

    def batch(self, atomic: bool = True) -> Batch:
        """Commands sent in one round trip; atomic=True wraps them in MULTI/EXEC."""
        return Batch(self, atomic)


class Batch(Commands):
    """Queued commands; `execute()` returns their parsed replies in order.

    A sliding-window rate limit is one atomic batch:
    `zremrangebyscore(key, 0, now - window).zadd(key, {id: now}).zcard(key).expire(key, window)`.
    """

    def __init__(self, cache: Cache, atomic: bool) -> None:
        self._cache = cache
        self._atomic = atomic
        self._queued: list[Command[Any]] = []

    def add(self, command: Command[Any]) -> Batch:
        self._queued.append(command)
        return self

    _submit = add

    def execute(self) -> list[Any]:
        queued, self._queued = self._queued, []
        if not queued:
            return []
        replies = self._cache._within_budget(
            lambda: self._cache._send_many([c.args for c in queued], self._atomic))
        return [command.parse(reply) for command, reply in zip(queued, replies, strict=True)]


class RedisCache(Cache):
    """redis-py over TCP (REDIS_URL): local development, ElastiCache, or any Redis server."""

    backend = "redis"

    def __init__(self, url: str) -> None:
        # lazy: a container loads only its backend's client, and only when it uses the cache
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        config = settings()
        # One immediate retry covers a socket that went stale while the container was frozen
        # (refused or reset: a connection error, at once). A timeout is never retried: a stalled
        # Redis would cost each call twice, and most callers fail open anyway.
        self._client: redis.Redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=config.redis_read_timeout_s,
            socket_connect_timeout=config.redis_connect_timeout_s,
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )

    def _send(self, args: Args) -> Any:
        with self._errors():
            return self._client.execute_command(*args)

    def _send_many(self, commands: list[Args], atomic: bool) -> list[Any]:
        with self._errors():
            pipe = self._client.pipeline(transaction=atomic)
            for args in commands:
                pipe.execute_command(*args)
            return list(pipe.execute())

    def _errors(self) -> _Translate:
        # lazy: loaded by __init__ already; a module-level import would load both backends
        import redis

        return _Translate(
            outage=(redis.ConnectionError, redis.TimeoutError), refused=(redis.ResponseError,),
            backend=self.backend,
        )

    def close(self) -> None:
        self._client.close()


class UpstashCache(Cache):
    """Upstash's REST API (UPSTASH_REDIS_REST_URL + _TOKEN): no connection to keep alive."""

    backend = "upstash"

    def __init__(self, url: str, token: str) -> None:
        # lazy: a container loads only its backend's client, and only when it uses the cache
        import httpx
        import upstash_redis

        config = settings()
        # No retry: the client retries on any error, timeouts included, and a stalled endpoint
        # would cost each call twice. httpx drops pooled connections the server closed by itself.
        self._client: upstash_redis.Redis = upstash_redis.Redis(
            url=url, token=token, rest_retries=0, allow_telemetry=False,
        )
        # The client's httpx session waits forever by default; a dead endpoint must fail fast.
        self._client._http._client.timeout = httpx.Timeout(
            config.redis_read_timeout_s, connect=config.redis_connect_timeout_s)

    def _send(self, args: Args) -> Any:
        with self._errors():
            return self._client.execute(list(args))

    def _send_many(self, commands: list[Args], atomic: bool) -> list[Any]:
        with self._errors():
            pipe = self._client.multi() if atomic else self._client.pipeline()
            for args in commands:
                pipe.execute(list(args))
            return pipe.exec()

    def _errors(self) -> _Translate:
        # lazy: loaded by __init__ already; a module-level import would load both backends
        import httpx
        from upstash_redis.errors import UpstashError

        return _Translate(outage=(httpx.HTTPError, ValueError), refused=(UpstashError,),
                          backend=self.backend)

    def close(self) -> None:
        self._client.close()


class _Translate:
    """Turns a client's exceptions into Unavailable (outage) or CommandError (refused)."""

    def __init__(self, outage: tuple[type[BaseException], ...],
                 refused: tuple[type[BaseException], ...], backend: str) -> None:
        self.outage, self.refused, self.backend = outage, refused, backend

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _tb: Any) -> None:
        if error is None:
            return
        if isinstance(error, self.refused) and not _is_auth_failure(error):
            raise CommandError(str(error)) from error
        if isinstance(error, self.outage + self.refused):
            raise Unavailable(f"Redis ({self.backend}) is unreachable", dependency="redis") \
                from error


def _is_auth_failure(error: BaseException) -> bool:
    message = str(error).lower()
    return "unauthorized" in message or "wrongpass" in message or "noauth" in message


_client: Cache | None = None


def client() -> Cache:
    """This container's cache client, created on first use from the settings."""
    global _client
    if _client is None:
        config = settings()
        if config.upstash_redis_rest_url:
            _client = UpstashCache(config.upstash_redis_rest_url, config.upstash_redis_rest_token)
        elif config.redis_url:
            _client = RedisCache(config.redis_url)
        else:
            raise Unavailable("Redis is not configured (REDIS_URL or UPSTASH_REDIS_REST_URL)",
                              dependency="redis")
    return _client


def ping() -> str:
    """The backend's name when Redis answers; raises Unavailable otherwise."""
    cache = client()
    if not cache.ping():
        raise Unavailable("Redis did not answer PING", dependency="redis")
    return cache.backend


def reset() -> None:
    """Drop this container's client (tests switch backends between cases)."""
    global _client
    if _client is not None:
        _client.close()
    _client = None
