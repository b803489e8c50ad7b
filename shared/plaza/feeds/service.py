"""Feed rules: fan-out on write (planned and written in batches by the post_fanout state machine)
and the home and explore pages.

Hybrid fan-out: an author with more than FANOUT_FOLLOWER_THRESHOLD followers is not written into
followers' feeds (one post would cost a million rows); home pages merge such authors' newest posts
in at read time. A viewer's own posts are merged the same way, so they show at once.
"""

from __future__ import annotations

import datetime as dt
import re

from plaza import errors, observability
from plaza.config import settings
from plaza.feeds import repo
from plaza.feeds.models import FanoutBatch, FanoutPlan, FeedQuery
from plaza.pagination import decode_cursor, encode_cursor, page_of
from plaza.posts.models import PostOut, PostPage

# Batches one planning step hands to the Map state: 40 small range objects keep the state far
# under Step Functions' 256 KB payload limit, and the machine loops for more.
MAX_BATCHES_PER_PLAN = 40
# Explore ranks the newest public posts of this window, at most this many of them.
EXPLORE_WINDOW = dt.timedelta(days=7)
EXPLORE_CANDIDATES = 1000

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _post_id(value: object) -> str:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise errors.Invalid("post_id must be a post's id")
    return value.lower()


def plan_fanout(post_id: object, after: str | None = None) -> FanoutPlan:
    """The next batches of the post's fan-out: follower key ranges after the cursor `after`.

    `next` is set when more followers remain than one plan holds; the state machine then plans
    again from there. A post gone (deleted, unknown) plans nothing and `found` is False; an
    author above the threshold plans no batches (merged at read time) but keeps its follow-ups.
    """
    post = _post_id(post_id)
    subject = repo.fanout_subject(post)
    if subject is None or not subject["live"]:
        return {"post_id": post, "author_id": "", "found": False, "mentions": [], "batches": [],
                "next": None}
    plan: FanoutPlan = {"post_id": post, "author_id": subject["author_id"], "found": True,
                        "mentions": list(subject["mentions"]), "batches": [], "next": None}
    config = settings()
    if subject["follower_count"] > config.fanout_follower_threshold:
        observability.count("FanoutSkippedLargeAuthor")
        return plan
    size = config.fanout_batch_size
    bounds, scanned = repo.follower_bounds(subject["author_id"], decode_cursor(after, "next"),
                                           size, MAX_BATCHES_PER_PLAN)
    edges = [after, *(encode_cursor(at, follower) for at, follower in bounds)]
    batches: list[FanoutBatch] = [{"after": low, "upto": high}
                                  for low, high in zip(edges, edges[1:], strict=False)]
    if scanned < size * MAX_BATCHES_PER_PLAN:
        # Open-ended: the rest, and anyone who follows the author while the fan-out runs.
        batches.append({"after": edges[-1], "upto": None})
    else:
        plan["next"] = edges[-1]
    plan["batches"] = batches
    return plan


def write_batch(post_id: object, batch: FanoutBatch) -> int:
    """Write one batch of the post's fan-out; safe to retry. The number of new feed rows."""
    written = repo.insert_batch(_post_id(post_id), decode_cursor(batch.get("after"), "after"),
                                decode_cursor(batch.get("upto"), "upto"))
    observability.count("FanoutRowsWritten", written)
    return written


def home_page(viewer_id: str, query: FeedQuery) -> PostPage:
    """One page of the viewer's home feed, newest first; stable while new posts arrive."""
    after = decode_cursor(query.cursor)
    rows = repo.home_page(viewer_id, settings().fanout_follower_threshold, query.limit + 1, after)
    items, next_cursor = page_of(rows, query.limit, "created_at", "id")
    return PostPage(items=[PostOut(**row) for row in items], next_cursor=next_cursor)


def explore_page(viewer_id: str, query: FeedQuery) -> PostPage:
    """Popular recent public posts from people the viewer does not follow: one bounded page.

    Ranked by engagement, which changes between requests, so there is no stable next page to
    point at: next_cursor is always null and a client refreshes instead.
    """
    since = dt.datetime.now(dt.UTC) - EXPLORE_WINDOW
    rows = repo.explore_page(viewer_id, since, EXPLORE_CANDIDATES, query.limit)
    return PostPage(items=[PostOut(**row) for row in rows], next_cursor=None)
