"""Fan-out on write: the rules of the post_fanout state machine's tasks.

The machine plans batches of follower key ranges (plan_fanout), writes each in a bounded Map
(write_batch), plans again while followers remain, and records the end (record_completed) for
the reconciler (reconcile.py). Apart from the read side (service.py) so the task functions load
no pydantic: ~0.3 s less on their cold start, which a new post waits for.
"""

from __future__ import annotations

from typing import TypedDict

from plaza import errors, observability
from plaza.config import settings
from plaza.feeds import home_cache, repo
from plaza.ids import is_uuid_text
from plaza.pagination import decode_cursor, encode_cursor

# Batches one planning step hands to the Map state: 40 small range objects keep the state far
# under Step Functions' 256 KB payload limit, and the machine loops for more.
MAX_BATCHES_PER_PLAN = 40


class FanoutBatch(TypedDict):
    """The followers one batch writes: follows keyed (created_at, follower_id) in (after, upto].

    Keys are opaque cursors (plaza.pagination), None for an open end. A range rather than a list
    of ids: Step Functions caps a state's payload at 256 KB, and 1,000 ids alone are ~37 KB.
    """

    after: str | None
    upto: str | None


class FanoutPlan(TypedDict):
    """The state the fan-out state machine carries from page to page of the author's followers."""

    post_id: str
    author_id: str
    found: bool
    mentions: list[str]
    batches: list[FanoutBatch]
    next: str | None


def execution_name(post_id: str, restart: int = 0) -> str:
    """The name of a post's fan-out execution: post-<id> when the post is made, post-<id>-r<n>
    for the reconciler's n-th restart (Step Functions never reuses a name)."""
    return f"post-{post_id}" if restart == 0 else f"post-{post_id}-r{restart}"


def _post_id(value: object) -> str:
    if not is_uuid_text(value):
        raise errors.Invalid("post_id must be a post's id")
    return str(value).lower()


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
    edges: list[str | None] = [after, *(encode_cursor(at, f) for at, f in bounds)]
    if scanned < size * MAX_BATCHES_PER_PLAN:
        # The last followers: the last batch is open-ended, so it also takes anyone who follows
        # the author while the fan-out runs (and a full last batch is not followed by an empty one).
        if len(edges) > 1 and scanned % size == 0:
            edges.pop()
        edges.append(None)
    else:
        plan["next"] = edges[-1]
    plan["batches"] = [{"after": low, "upto": high}
                       for low, high in zip(edges, edges[1:], strict=False)]
    return plan


def write_batch(post_id: object, batch: FanoutBatch) -> int:
    """Write one batch of the post's fan-out; safe to retry. The number of new feed rows."""
    followers = repo.insert_batch(_post_id(post_id), decode_cursor(batch.get("after"), "after"),
                                  decode_cursor(batch.get("upto"), "upto"))
    home_cache.forget_home_pages(followers)
    observability.count("FanoutRowsWritten", len(followers))
    return len(followers)


def record_completed(post_id: object) -> None:
    """The machine's last step: the post's fan-out (feeds, indexing, mentions) is done."""
    repo.mark_fanout_completed(_post_id(post_id))
