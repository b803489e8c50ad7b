"""Redis for counters, rate limits, presence and leaderboards: Upstash REST or a Redis server.

UPSTASH_REDIS_REST_URL wins when set: Upstash speaks HTTP, so a Lambda holds no socket across
freezes. Otherwise REDIS_URL is used through redis-py. Both backends run the same raw commands
and their replies are normalised here, so callers see one behaviour (strings, ints, floats).
A dead Redis fails fast (timeouts of ~1.5 s, at most one retry) with `Unavailable`.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from plaza.config import settings
from plaza.errors import Unavailable

if TYPE_CHECKING:
    import redis
    import upstash_redis

TIMEOUT_S = 1.5
T = TypeVar("T")


class CommandError(Exception):
    """Redis refused a command (wrong type, bad argument): a bug, not an outage."""


class Command(NamedTuple, Generic[T]):
    """One Redis command and how to turn its reply into the documented Python type."""

    args: tuple[Any, ...]
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


class Cache(ABC):
    """The commands Plaza uses; each backend only knows how to send raw commands."""

    backend: str

    @abstractmethod
    def _send(self, args: tuple[Any, ...]) -> Any: ...

    @abstractmethod
    def _send_many(self, commands: list[tuple[Any, ...]], atomic: bool) -> list[Any]: ...

    @abstractmethod
    def close(self) -> None: ...

    def run(self, command: Command[T]) -> T:
        return command.parse(self._send(command.args))

    def ping(self) -> bool:
        return _text(self._send(("PING",))) in ("PONG", True)

    def get(self, key: str) -> str | None:
        return self.run(Command(("GET", key), _str_or_none))

    def set(self, key: str, value: str | int | float, ex: int | None = None,
            nx: bool = False) -> bool:
        """Store `value`; with nx=True only when the key is absent (False if it existed)."""
        return self.run(build.set(key, value, ex, nx))

    def delete(self, *keys: str) -> int:
        return self.run(build.delete(*keys))

    def exists(self, key: str) -> bool:
        return self.run(Command(("EXISTS", key), _bool))

    def incr(self, key: str, amount: int = 1, ex: int | None = None) -> int:
        """Add `amount`; a first increment also starts the key's `ex`-second lifetime."""
        if ex is None:
            return self.run(build.incr(key, amount))
        value, _ = self.batch().incr(key, amount).expire(key, ex, nx=True).execute()
        return int(value)

    def expire(self, key: str, seconds: int, nx: bool = False) -> bool:
        return self.run(build.expire(key, seconds, nx))

    def ttl(self, key: str) -> int:
        """Seconds left; -1 without expiry, -2 when the key does not exist."""
        return self.run(Command(("TTL", key), _int))

    def hget(self, key: str, field: str) -> str | None:
        return self.run(Command(("HGET", key, field), _str_or_none))

    def hset(self, key: str, mapping: Mapping[str, str | int | float]) -> int:
        return self.run(build.hset(key, mapping))

    def hgetall(self, key: str) -> dict[str, str]:
        return self.run(Command(("HGETALL", key), _mapping))

    def hdel(self, key: str, *fields: str) -> int:
        return self.run(Command(("HDEL", key, *fields), _int))

    def zadd(self, key: str, scores: Mapping[str, float]) -> int:
        return self.run(build.zadd(key, scores))

    def zincrby(self, key: str, amount: float, member: str) -> float:
        return self.run(build.zincrby(key, amount, member))

    def zscore(self, key: str, member: str) -> float | None:
        return self.run(Command(("ZSCORE", key, member), _float_or_none))

    def zrevrange(self, key: str, start: int, stop: int) -> list[str]:
        """Members from the highest score down; `stop` is inclusive, -1 is the last."""
        return self.run(Command(("ZREVRANGE", key, start, stop), _strings))

    def zrevrange_with_scores(self, key: str, start: int, stop: int) -> list[tuple[str, float]]:
        return self.run(build.zrevrange_with_scores(key, start, stop))

    def zrem(self, key: str, *members: str) -> int:
        return self.run(build.zrem(key, *members))

    def zremrangebyscore(self, key: str, low: float | str, high: float | str) -> int:
        return self.run(build.zremrangebyscore(key, low, high))

    def zcard(self, key: str) -> int:
        return self.run(build.zcard(key))

    def sadd(self, key: str, *members: str) -> int:
        return self.run(build.sadd(key, *members))

    def srem(self, key: str, *members: str) -> int:
        return self.run(build.srem(key, *members))

    def smembers(self, key: str) -> builtins.set[str]:
        return self.run(Command(("SMEMBERS", key), _string_set))

    def eval(self, script: str, keys: Iterable[str] = (), args: Iterable[Any] = ()) -> Any:
        """Run a Lua script; replies come back as str / int / lists of them."""
        keys = list(keys)
        return self.run(Command(("EVAL", script, len(keys), *keys, *args), _raw))

    def batch(self, atomic: bool = True) -> Batch:
        """Commands sent in one round trip; atomic=True wraps them in MULTI/EXEC."""
        return Batch(self, atomic)


class build:  # noqa: N801
    """Command builders shared by Cache (run now) and Batch (queued)."""

    @staticmethod
    def set(key: str, value: str | int | float, ex: int | None, nx: bool) -> Command:
        args: list[Any] = ["SET", key, value]
        if ex is not None:
            args += ["EX", int(ex)]
        if nx:
            args.append("NX")
        return Command(tuple(args), _ok)

    @staticmethod
    def delete(*keys: str) -> Command:
        return Command(("DEL", *keys), _int)

    @staticmethod
    def incr(key: str, amount: int) -> Command:
        return Command(("INCRBY", key, int(amount)), _int)

    @staticmethod
    def expire(key: str, seconds: int, nx: bool) -> Command:
        return Command(("EXPIRE", key, int(seconds), *(("NX",) if nx else ())), _bool)

    @staticmethod
    def hset(key: str, mapping: Mapping[str, str | int | float]) -> Command:
        pairs = [item for field, value in mapping.items() for item in (field, value)]
        return Command(("HSET", key, *pairs), _int)

    @staticmethod
    def zadd(key: str, scores: Mapping[str, float]) -> Command:
        pairs = [item for member, score in scores.items() for item in (float(score), member)]
        return Command(("ZADD", key, *pairs), _int)

    @staticmethod
    def zincrby(key: str, amount: float, member: str) -> Command:
        return Command(("ZINCRBY", key, float(amount), member), _float)

    @staticmethod
    def zrevrange_with_scores(key: str, start: int, stop: int) -> Command:
        return Command(("ZREVRANGE", key, start, stop, "WITHSCORES"), _scored)

    @staticmethod
    def zrem(key: str, *members: str) -> Command:
        return Command(("ZREM", key, *members), _int)

    @staticmethod
    def zremrangebyscore(key: str, low: float | str, high: float | str) -> Command:
        return Command(("ZREMRANGEBYSCORE", key, low, high), _int)

    @staticmethod
    def zcard(key: str) -> Command:
        return Command(("ZCARD", key), _int)

    @staticmethod
    def sadd(key: str, *members: str) -> Command:
        return Command(("SADD", key, *members), _int)

    @staticmethod
    def srem(key: str, *members: str) -> Command:
        return Command(("SREM", key, *members), _int)


class Batch:
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

    def set(self, key: str, value: str | int | float, ex: int | None = None,
            nx: bool = False) -> Batch:
        return self.add(build.set(key, value, ex, nx))

    def delete(self, *keys: str) -> Batch:
        return self.add(build.delete(*keys))

    def incr(self, key: str, amount: int = 1) -> Batch:
        return self.add(build.incr(key, amount))

    def expire(self, key: str, seconds: int, nx: bool = False) -> Batch:
        return self.add(build.expire(key, seconds, nx))

    def hset(self, key: str, mapping: Mapping[str, str | int | float]) -> Batch:
        return self.add(build.hset(key, mapping))

    def zadd(self, key: str, scores: Mapping[str, float]) -> Batch:
        return self.add(build.zadd(key, scores))

    def zincrby(self, key: str, amount: float, member: str) -> Batch:
        return self.add(build.zincrby(key, amount, member))

    def zrevrange_with_scores(self, key: str, start: int, stop: int) -> Batch:
        return self.add(build.zrevrange_with_scores(key, start, stop))

    def zrem(self, key: str, *members: str) -> Batch:
        return self.add(build.zrem(key, *members))

    def zremrangebyscore(self, key: str, low: float | str, high: float | str) -> Batch:
        return self.add(build.zremrangebyscore(key, low, high))

    def zcard(self, key: str) -> Batch:
        return self.add(build.zcard(key))

    def sadd(self, key: str, *members: str) -> Batch:
        return self.add(build.sadd(key, *members))

    def srem(self, key: str, *members: str) -> Batch:
        return self.add(build.srem(key, *members))

    def execute(self) -> list[Any]:
        queued, self._queued = self._queued, []
        if not queued:
            return []
        replies = self._cache._send_many([c.args for c in queued], self._atomic)
        return [command.parse(reply) for command, reply in zip(queued, replies, strict=True)]


class RedisCache(Cache):
    """redis-py over TCP (REDIS_URL): local development, ElastiCache, or any Redis server."""

    backend = "redis"

    def __init__(self, url: str) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One immediate retry covers a socket that went stale while the container was frozen.
        self._client: redis.Redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=TIMEOUT_S,
            socket_connect_timeout=TIMEOUT_S, retry=Retry(NoBackoff(), 1),
        )

    def _send(self, args: tuple[Any, ...]) -> Any:
        with self._errors():
            return self._client.execute_command(*args)

    def _send_many(self, commands: list[tuple[Any, ...]], atomic: bool) -> list[Any]:
        with self._errors():
            pipe = self._client.pipeline(transaction=atomic)
            for args in commands:
                pipe.execute_command(*args)
            return list(pipe.execute())

    def _errors(self) -> _Translate:
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
        import httpx
        import upstash_redis

        self._client: upstash_redis.Redis = upstash_redis.Redis(
            url=url, token=token, rest_retries=1, rest_retry_interval=0.05,
            allow_telemetry=False,
        )
        # The client's httpx session waits forever by default; a dead endpoint must fail fast.
        self._client._http._client.timeout = httpx.Timeout(TIMEOUT_S)

    def _send(self, args: tuple[Any, ...]) -> Any:
        with self._errors():
            return self._client.execute(list(args))

    def _send_many(self, commands: list[tuple[Any, ...]], atomic: bool) -> list[Any]:
        with self._errors():
            pipe = self._client.multi() if atomic else self._client.pipeline()
            for args in commands:
                pipe.execute(list(args))
            return pipe.exec()

    def _errors(self) -> _Translate:
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
