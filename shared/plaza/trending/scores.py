"""Time-decayed engagement scores in Redis sorted sets, and the like/comment counter cache.

Decay: an engagement of weight w at time t is worth w * 2^((t - now) / half_life) now. Scores
that all decay at the same rate keep their order, so instead of rescoring every member as time
passes (a job touching every key, forever) each score is kept in a frame that does not move:

- Posts (`trending:posts`) store log2(sum of w * 2^(t / half_life)) — *log space*. A plain sum
  of 2^(t / half_life) overflows a double after 1,024 half-lives (256 days at 6 h); its log2
  stays near t / half_life forever and ZREVRANGE still orders by the true decayed value because
  log2 is monotonic. Adding to a log-space score is a log-add-exp, so it runs as a Lua script
  (one round trip, atomic) rather than ZINCRBY.
- Hashtags live in 15-minute buckets (`trending:tags:<bucket>`) so the 24 h window is a set of
  keys that simply expire. Inside a bucket the exponent is relative to the bucket's start — a
  *moving epoch* bounded by the bucket width — so plain ZINCRBY sums stay small. Reading
  unions the buckets of the last 24 h with weights 2^((bucket_start - now) / half_life).

Unlikes and deleted comments subtract their weight at today's value (more than the decayed
original): like/unlike loops can never raise a post's score.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Literal

from plaza.stores import cache
from plaza.stores.cache import Command

Kind = Literal["post", "like", "unlike", "comment", "uncomment"]

POST_HALF_LIFE_S = 6 * 3600
TAG_HALF_LIFE_S = 3 * 3600
TAG_BUCKET_S = 15 * 60
TAG_WINDOW_S = 24 * 3600
# Only the top of the board is ever read; the rest is trimmed as engagement arrives.
MAX_TRENDING_POSTS = 5000
COUNTS_TTL_S = 2 * 24 * 3600

# (weight, counter field, counter step) for each kind of engagement.
KINDS: dict[str, tuple[float, str | None, int]] = {
    "post": (1.0, None, 0),
    "like": (1.0, "likes", 1),
    "unlike": (-1.0, "likes", -1),
    "comment": (3.0, "comments", 1),
    "uncomment": (-3.0, "comments", -1),
}

POSTS_KEY = "trending:posts"
DIRTY_KEY = "trending:dirty"  # posts whose counts changed since the last write-back
TAG_KEY_PREFIX = "trending:tags:"
COUNTS_KEY_PREFIX = "trending:counts:"


def counts_key(post_id: str) -> str:
    return f"{COUNTS_KEY_PREFIX}{post_id}"


def tag_bucket(at: float) -> int:
    return int(at // TAG_BUCKET_S)


def tag_key(bucket: int) -> str:
    return f"{TAG_KEY_PREFIX}{bucket}"


def log_value(weight: float, at: float) -> float:
    """log2 of |weight| * 2^(at / half_life): an engagement in the posts' log-space frame."""
    return math.log2(abs(weight)) + at / POST_HALF_LIFE_S


def decayed(score: float, now: float) -> float:
    """A log-space post score as the engagement it is worth at `now`."""
    return float(2.0 ** (score - now / POST_HALF_LIFE_S))


# KEYS: posts board, counts hash, dirty set, tag bucket
# ARGV: post id, log value, sign (+1/-1), max members, counter field ('' for none), step,
#       tag increment, tag bucket ttl, then the hashtags.
# Beyond a 2^50 ratio the smaller term cannot change a double, so it is skipped (and 2^x never
# overflows). Counters only move once the write-back has seeded the hash with the true counts:
# a HINCRBY on a missing hash would start a wrong count from 0.
RECORD_SCRIPT = """
local id, x, sign = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = redis.call('ZSCORE', KEYS[1], id)
if sign > 0 then
  local new = x
  if cur then
    cur = tonumber(cur)
    local hi, lo = math.max(cur, x), math.min(cur, x)
    new = hi
    if hi - lo < 50 then new = hi + math.log(1 + 2 ^ (lo - hi)) / math.log(2) end
  end
  redis.call('ZADD', KEYS[1], new, id)
  local card = redis.call('ZCARD', KEYS[1])
  local keep = tonumber(ARGV[4])
  if card > keep then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, card - keep - 1) end
elseif cur then
  cur = tonumber(cur)
  if cur - x < 50 then
    local rest = 2 ^ (cur - x) - 1
    if rest <= 0 then
      redis.call('ZREM', KEYS[1], id)
    else
      redis.call('ZADD', KEYS[1], x + math.log(rest) / math.log(2), id)
    end
  end
end
if ARGV[5] ~= '' then
  if redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[5], tonumber(ARGV[6]))
  end
  redis.call('SADD', KEYS[3], id)
end
for i = 9, #ARGV do
  redis.call('ZINCRBY', KEYS[4], tonumber(ARGV[7]), ARGV[i])
end
if #ARGV >= 9 then redis.call('EXPIRE', KEYS[4], tonumber(ARGV[8])) end
return 1
"""


def record(post_id: str, kind: str, hashtags: Iterable[str] = (), at: float | None = None) -> None:
    """Add one engagement to the boards and counters (raises cache.Unavailable if Redis is down)."""
    weight, field, step = KINDS[kind]
    at = time.time() if at is None else at
    bucket = tag_bucket(at)
    tag_increment = weight * 2.0 ** ((at - bucket * TAG_BUCKET_S) / TAG_HALF_LIFE_S)
    tags = sorted({tag.lower() for tag in hashtags if tag})
    cache.client().eval(
        RECORD_SCRIPT,
        keys=[POSTS_KEY, counts_key(post_id), DIRTY_KEY, tag_key(bucket)],
        args=[post_id, repr(log_value(weight, at)), 1 if weight > 0 else -1, MAX_TRENDING_POSTS,
              field or "", step, repr(tag_increment), TAG_WINDOW_S + 2 * TAG_BUCKET_S, *tags],
    )


def top_posts(start: int, stop: int) -> list[tuple[str, float]]:
    """Post ids and log-space scores, highest first; `stop` inclusive."""
    return cache.client().zrevrange_with_scores(POSTS_KEY, start, stop)


def forget_posts(post_ids: Sequence[str]) -> None:
    """Drop posts from the board (deleted ones found while reading it)."""
    if post_ids:
        cache.client().zrem(POSTS_KEY, *post_ids)


def top_hashtags(limit: int, now: float | None = None) -> list[tuple[str, float]]:
    """Hashtags by decayed engagement over the last 24 h (to the bucket), as worth at `now`."""
    now = time.time() if now is None else now
    last = tag_bucket(now)
    first = math.ceil((now - TAG_WINDOW_S) / TAG_BUCKET_S)
    buckets = range(first, last + 1)
    weights = [2.0 ** ((bucket * TAG_BUCKET_S - now) / TAG_HALF_LIFE_S) for bucket in buckets]
    scratch = f"trending:tags:union:{uuid.uuid4().hex}"  # per request: readers never share it
    client = cache.client()
    union = Command(("ZUNIONSTORE", scratch, len(buckets), *(tag_key(b) for b in buckets),
                     "WEIGHTS", *(repr(w) for w in weights)), int)
    _, ranked, _ = (client.batch().add(union).zrevrange_with_scores(scratch, 0, limit * 2)
                    .delete(scratch).execute())
    # Unlikes can leave a tag at or below zero within the window: no longer trending.
    return [(tag, score) for tag, score in ranked if score > 1e-9][:limit]


# KEYS: dirty set, processing set. ARGV: batch size.
# A run works on `processing` until it has written it back; a run that died leaves it there
# for the next one, so a batch is never lost between SPOP and the database (and redoing it is
# harmless: the write-back is idempotent).
_CLAIM_SCRIPT = """
if redis.call('SCARD', KEYS[2]) == 0 then
  local ids = redis.call('SPOP', KEYS[1], tonumber(ARGV[1]))
  if #ids > 0 then redis.call('SADD', KEYS[2], unpack(ids)) end
end
return redis.call('SMEMBERS', KEYS[2])
"""
PROCESSING_KEY = "trending:dirty:processing"


def claim_dirty(batch_size: int) -> list[str]:
    """Up to `batch_size` posts whose counts changed, kept claimed until `release_dirty()`."""
    reply = cache.client().eval(_CLAIM_SCRIPT, keys=[DIRTY_KEY, PROCESSING_KEY], args=[batch_size])
    return sorted(str(item) for item in reply or [])


def release_dirty() -> None:
    cache.client().delete(PROCESSING_KEY)


def seed_counts(counts: Iterable[tuple[str, int, int]]) -> None:
    """Set the counter cache of each (post id, likes, comments) to these true values."""
    batch = cache.client().batch(atomic=False)
    for post_id, likes, comments in counts:
        key = counts_key(post_id)
        batch.hset(key, {"likes": likes, "comments": comments}).expire(key, COUNTS_TTL_S)
    batch.execute()


def cached_counts(post_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(likes, comments) of the posts the counter cache holds."""
    if not post_ids:
        return {}
    batch = cache.client().batch(atomic=False)
    for post_id in post_ids:
        batch.add(Command(("HMGET", counts_key(post_id), "likes", "comments"), list))
    found: dict[str, tuple[int, int]] = {}
    for post_id, (likes, comments) in zip(post_ids, batch.execute(), strict=True):
        if likes is not None and comments is not None:
            found[post_id] = (max(int(likes), 0), max(int(comments), 0))
    return found
