"""Trending rules: recording engagement (never failing the caller), boards, recommendations.

Ranked lists are snapshots, not keysets: a ranking changes under the reader, so a cursor is a
position in the snapshot the first page came from (cached briefly), and the lists are bounded
(TRENDING_DEPTH, RECOMMENDATION_DEPTH). What is the same for every viewer — the ranked live
public posts — is cached once for all; blocks, deletions and liked_by_me are checked per
request against Postgres, so a cached page never shows a blocked author or a deleted post.

Redis down: trending and hashtags fail open to a ranking by exact counts from Postgres (metric
TrendingFallback), so the routes answer 200 with a coarser list instead of a 503.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import Any, TypeVar

from plaza import errors, observability
from plaza.errors import Unavailable
from plaza.media.service import posts_with_media
from plaza.models import PostOut, PostPage
from plaza.stores import cache
from plaza.stores.search_events import queue_index_events
from plaza.trending import repo, scores
from plaza.trending.models import HashtagList, RankedPageQuery, TrendingHashtag

T = TypeVar("T")

TRENDING_DEPTH = 200
TRENDING_CANDIDATES = 400  # read from the board: some are deleted or not public
RECOMMENDATION_DEPTH = 100
HASHTAG_DEPTH = 50
SNAPSHOT_TTL_S = 30
RECOMMENDATIONS_TTL_S = 60
WRITE_BACK_BATCH = 1000
_CURSOR = re.compile(r"rank:(\d{1,4})")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def record_engagement(post_id: str, kind: str, hashtags: Iterable[str] = (),
                      at: dt.datetime | float | None = None) -> bool:
    """Count a post's creation, a like/unlike or a comment/uncomment towards trending.

    kind: "post", "like", "unlike", "comment" or "uncomment"; hashtags: the post's tags (without
    '#'); at: when it happened (default now). Fail-open: trending is a nice-to-have, a like must
    never fail because Redis is down or slow — any error is logged and counted
    (metric TrendingRecordFailed) and False returned. Call it after the engagement committed.
    """
    try:
        when = at.timestamp() if isinstance(at, dt.datetime) else at
        scores.record(str(post_id), kind, hashtags, when)
        return True
    except Exception as error:  # noqa: BLE001 - fail-open by contract, see docstring
        try:
            observability.log_warning("trending engagement not recorded", post_id=str(post_id),
                                      kind=kind, error=repr(error))
            observability.count("TrendingRecordFailed")
        except Exception:  # noqa: BLE001, S110 - logging must not turn fail-open into fail
            pass
        return False


# ------------------------------------------------------------------ reading


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"rank:{offset}".encode()).decode().rstrip("=")


def _decode_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise errors.Invalid("The cursor is not one this API returned", errors=[
            {"field": "query.cursor", "message": "not a cursor this API returned",
             "type": "cursor"}])
    return int(match.group(1))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot cache {type(value).__name__}")


def _read_through(name: str, key: str, ttl_s: int, load: Callable[[], T]) -> T:
    """The cached value of `key`, else `load()` stored for `ttl_s`; the hit ratio is a metric.

    CacheHitRatio (Percent, dimension cache=<name>) is 100 for a hit and 0 for a miss, so its
    CloudWatch Average is the hit ratio. A Redis outage is a miss, never an error.
    """
    try:
        raw = cache.client().get(key)
    except Unavailable:
        raw = None
    observability.count("CacheHitRatio", 100.0 if raw is not None else 0.0, unit="Percent",
                        cache=name)
    if raw is not None:
        return json.loads(raw)
    value = load()
    with suppress(Unavailable):
        cache.client().set(key, json.dumps(value, default=_json_default), ex=ttl_s)
    return value


def _fallback(what: str, error: Unavailable) -> None:
    observability.log_warning("trending falls back to Postgres", what=what, error=str(error))
    observability.count("TrendingFallback", what=what)


def _trending_snapshot() -> list[dict[str, Any]]:
    """The ranked live public posts, best first, at most TRENDING_DEPTH."""
    try:
        ids = [post_id for post_id, _ in scores.top_posts(0, TRENDING_CANDIDATES - 1)
               if _UUID.fullmatch(post_id)]
    except Unavailable as error:
        _fallback("posts", error)
        ids = repo.most_engaged_recent(TRENDING_DEPTH)
    rows = repo.public_posts(ids)
    gone = [post_id for post_id in ids if post_id not in rows]
    with suppress(Unavailable):
        scores.forget_posts(gone)  # deleted, or never public: they would never be shown
    return [rows[post_id] for post_id in ids if post_id in rows][:TRENDING_DEPTH]


def _ranked_page(viewer_id: str, rows: list[dict[str, Any]], offset: int, limit: int,
                 drop_liked: bool = False) -> PostPage:
    """The next `limit` rows from `offset` the viewer may see, and the cursor after them."""
    rest = rows[offset:]
    shown = repo.shown_to(viewer_id, [row["id"] for row in rest])
    page: list[dict[str, Any]] = []
    next_cursor = None
    for index, row in enumerate(rest, start=offset):
        liked = shown.get(row["id"])
        if liked is None or (drop_liked and liked):
            continue
        if len(page) == limit:
            next_cursor = _encode_offset(index)
            break
        page.append({**row, "liked_by_me": liked})
    try:
        counts = scores.cached_counts([row["id"] for row in page])
    except Unavailable:
        counts = {}
    for row in page:
        if row["id"] in counts:
            row["like_count"], row["comment_count"] = counts[row["id"]]
    return PostPage(items=posts_with_media([PostOut.model_validate(row) for row in page]),
                    next_cursor=next_cursor)


def trending_page(viewer_id: str, query: RankedPageQuery) -> PostPage:
    """Posts by decayed engagement, best first; deleted posts and blocked authors left out."""
    offset = _decode_offset(query.cursor)
    rows = _read_through("trending-posts", "trending:snapshot:posts", SNAPSHOT_TTL_S,
                         _trending_snapshot)
    return _ranked_page(viewer_id, rows, offset, query.limit)


def recommendations_page(viewer_id: str, query: RankedPageQuery) -> PostPage:
    """Public posts the viewer's followees liked that the viewer has not liked, seen or written.

    "Seen" is approximated: there is no per-post seen set, so posts by people the viewer
    follows (they reach the home feed) and posts the viewer liked count as seen.
    """
    offset = _decode_offset(query.cursor)
    ids = _read_through("recommendations", f"trending:snapshot:recommendations:{viewer_id}",
                        RECOMMENDATIONS_TTL_S,
                        lambda: repo.recommended_ids(viewer_id, RECOMMENDATION_DEPTH))
    # At most RECOMMENDATION_DEPTH primary-key probes: hydrating them all keeps offsets simple.
    rows = repo.public_posts(ids)
    ranked = [rows[post_id] for post_id in ids if post_id in rows]
    return _ranked_page(viewer_id, ranked, offset, query.limit, drop_liked=True)


def _hashtag_snapshot() -> list[dict[str, Any]]:
    try:
        return [{"tag": tag, "score": score} for tag, score in scores.top_hashtags(HASHTAG_DEPTH)]
    except Unavailable as error:
        _fallback("hashtags", error)
        return [{"tag": row["tag"], "score": float(row["uses"])}
                for row in repo.hashtag_counts(HASHTAG_DEPTH)]


def trending_hashtags(limit: int) -> HashtagList:
    """Hashtags by decayed engagement over the last 24 h, best first."""
    items = _read_through("trending-hashtags", "trending:snapshot:hashtags", SNAPSHOT_TTL_S,
                          _hashtag_snapshot)
    return HashtagList(items=[TrendingHashtag.model_validate(item) for item in items[:limit]])


# ------------------------------------------------------------------ counters


def write_back_counts(max_batches: int = 20) -> int:
    """Recount the posts whose likes or comments changed; store the counts in Postgres and Redis.

    Idempotent and safe to run concurrently with likes: each batch writes absolute counts
    recounted from the likes and comments tables (repo.exact_counts), never adds deltas, so a
    retried or overlapping run writes the same values. Returns how many posts it wrote back.
    """
    written = 0
    for _ in range(max_batches):
        ids = scores.claim_dirty(WRITE_BACK_BATCH)
        if not ids:
            break
        rows = repo.exact_counts([post_id for post_id in ids if _UUID.fullmatch(post_id)])
        scores.seed_counts((row["id"], row["like_count"], row["comment_count"]) for row in rows)
        scores.release_dirty()
        # Search documents carry the counts: one index event per recounted post, batched.
        queue_index_events("post", [str(row["id"]) for row in rows])
        written += len(rows)
    return written
