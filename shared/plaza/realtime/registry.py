"""The connection registry in Redis: connection -> user, device, session and topics;
user -> connections; session -> connections; topic -> connections.

Every key expires: API Gateway closes a connection after two hours at most, so a connection
whose `$disconnect` never ran (a crashed handler, a lost event) leaves nothing behind for long.
Sets can still name a connection whose hash has expired; readers skip and prune those
(the LIVE script), so a stale id never counts as online nor receives a broadcast attempt.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plaza import observability
from plaza.errors import Unavailable
from plaza.stores import cache

# API Gateway's maximum connection lifetime (2 h) plus a margin for clock skew.
TTL_S = 2 * 3600 + 300
MAX_TOPICS_PER_CONNECTION = 100
PREFIX = "rt:"

# Members of each set in KEYS whose connection hash still exists; stale members are removed.
_LIVE = """
local result = {}
for i, key in ipairs(KEYS) do
  local live = {}
  for _, id in ipairs(redis.call('SMEMBERS', key)) do
    if redis.call('EXISTS', ARGV[1] .. 'conn:' .. id) == 1 then
      live[#live + 1] = id
    else
      redis.call('SREM', key, id)
    end
  end
  result[i] = live
end
return result
"""

# Forget one connection everywhere; returns {user_id, live connections the user has left}.
_UNREGISTER = """
local prefix, id = ARGV[1], ARGV[2]
local conn, topics = prefix .. 'conn:' .. id, prefix .. 'conn:' .. id .. ':topics'
local user, session = unpack(redis.call('HMGET', conn, 'user_id', 'session_id'))
if session then redis.call('SREM', prefix .. 'session:' .. session, id) end
for _, topic in ipairs(redis.call('SMEMBERS', topics)) do
  redis.call('SREM', prefix .. 'topic:' .. topic, id)
end
redis.call('DEL', conn, topics)
if not user then return false end
local users = prefix .. 'user:' .. user
redis.call('SREM', users, id)
local left = 0
for _, other in ipairs(redis.call('SMEMBERS', users)) do
  if redis.call('EXISTS', prefix .. 'conn:' .. other) == 1 then left = left + 1 end
end
return {user, left}
"""

# Register a connection the registry has lost (Redis restarted empty or was flushed) from what
# the caller's frame says of it; 1 if it was missing, 0 (nothing written) if it was there.
_ENSURE = """
local prefix, id, user, device, session = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[7]
local conn, users = prefix .. 'conn:' .. id, prefix .. 'user:' .. user
if redis.call('EXISTS', conn) == 1 then return 0 end
redis.call('HSET', conn, 'user_id', user, 'device_id', device, 'session_id', session,
           'connected_at', ARGV[5])
redis.call('EXPIRE', conn, ARGV[6])
redis.call('SADD', users, id)
redis.call('EXPIRE', users, ARGV[6])
if session ~= '' then
  local sessions = prefix .. 'session:' .. session
  redis.call('SADD', sessions, id)
  redis.call('EXPIRE', sessions, ARGV[6])
end
return 1
"""


@dataclass(frozen=True)
class Connection:
    id: str
    user_id: str
    device_id: str
    session_id: str = ""


@dataclass(frozen=True)
class Departure:
    """What unregistering a connection left: whose it was and whether they are still online."""

    user_id: str
    still_online: bool


def _conn(connection_id: str) -> str:
    return f"{PREFIX}conn:{connection_id}"


def _topics(connection_id: str) -> str:
    return f"{PREFIX}conn:{connection_id}:topics"


def _user(user_id: str) -> str:
    return f"{PREFIX}user:{user_id}"


def _session(session_id: str) -> str:
    return f"{PREFIX}session:{session_id}"


def _topic(topic: str) -> str:
    return f"{PREFIX}topic:{topic}"


def register(connection_id: str, user_id: str, device_id: str, session_id: str = "") -> None:
    """Remember the connection, and the session it belongs to so that its end closes it."""
    batch = (cache.client().batch()
             .hset(_conn(connection_id), {"user_id": user_id, "device_id": device_id,
                                          "session_id": session_id,
                                          "connected_at": int(time.time())})
             .expire(_conn(connection_id), TTL_S)
             .sadd(_user(user_id), connection_id)
             .expire(_user(user_id), TTL_S))
    if session_id:
        batch.sadd(_session(session_id), connection_id).expire(_session(session_id), TTL_S)
    batch.execute()


def ensure_registered(connection_id: str, caller: Mapping[str, Any]) -> bool:
    """Register the connection again if the registry lost it (Redis restarted empty, a flush);
    True if it did. Called on a connection's frames with `caller`, the `$connect` authorizer's
    context, which API Gateway passes with every message: deliveries and presence then resume
    without a reconnect. One round trip when nothing is missing. Its topics are not restored
    (only the client knows them). Never fails the frame: with Redis down there is nothing to
    register into, and the next frame tries again."""
    user_id = str(caller.get("user_id") or "")
    if not user_id:
        return False
    try:
        missing = cache.client().eval(_ENSURE, (), (
            PREFIX, connection_id, user_id, str(caller.get("device_id") or ""),
            int(time.time()), TTL_S, str(caller.get("session_id") or "")))
    except Unavailable as error:
        observability.log_warning("connection not re-registered", connection_id=connection_id,
                                  error=str(error))
        return False
    if missing:
        observability.log_info("connection registered again", connection_id=connection_id,
                               user_id=user_id)
    return bool(missing)


def connection(connection_id: str) -> Connection | None:
    fields = cache.client().hgetall(_conn(connection_id))
    if not fields.get("user_id"):
        return None
    return Connection(connection_id, fields["user_id"], fields.get("device_id", ""),
                      fields.get("session_id", ""))


def unregister(connection_id: str) -> Departure | None:
    """Forget a connection (its `$disconnect`, or a 410 on posting to it); None if unknown."""
    reply = cache.client().eval(_UNREGISTER, (), (PREFIX, connection_id))
    if not reply:
        return None
    user_id, left = reply
    return Departure(str(user_id), int(left) > 0)


def connections_of(user_id: str) -> list[str]:
    return _live([_user(user_id)])[0]


def connections_of_session(session_id: str) -> list[str]:
    return _live([_session(session_id)])[0]


def is_online(user_id: str) -> bool:
    return bool(connections_of(user_id))


def online_users(user_ids: list[str]) -> set[str]:
    """Which of `user_ids` have at least one live connection (one round trip)."""
    if not user_ids:
        return set()
    lives = _live([_user(user_id) for user_id in user_ids])
    return {user_id for user_id, live in zip(user_ids, lives, strict=True) if live}


def subscribe(connection_id: str, topic: str) -> bool:
    """Add the connection to the topic; False when the connection is unknown or has too many."""
    client = cache.client()
    if not client.exists(_conn(connection_id)):
        return False
    if len(client.smembers(_topics(connection_id))) >= MAX_TOPICS_PER_CONNECTION:
        return False
    (client.batch()
     .sadd(_topic(topic), connection_id)
     .expire(_topic(topic), TTL_S)
     .sadd(_topics(connection_id), topic)
     .expire(_topics(connection_id), TTL_S)
     .execute())
    return True


def unsubscribe(connection_id: str, topic: str) -> None:
    (cache.client().batch()
     .srem(_topic(topic), connection_id)
     .srem(_topics(connection_id), topic)
     .execute())


def topics_of(connection_id: str) -> set[str]:
    return cache.client().smembers(_topics(connection_id))


def subscribers(topic: str) -> list[str]:
    return _live([_topic(topic)])[0]


def _live(keys: list[str]) -> list[list[str]]:
    reply = cache.client().eval(_LIVE, keys, (PREFIX,))
    return [[str(item) for item in live] for live in reply]
