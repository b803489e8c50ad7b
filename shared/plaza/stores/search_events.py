"""Queue a search index event for SearchIndexFunction; callers do this after their change committed.

Below every domain so posts, identity, moderation and admin can all name what changed, while
plaza.search (the consumer's side) sits above them. An event names a document, never carries it:
the consumer re-reads the current state from Postgres, so one event per change is enough and a
count change (a like) needs none. Fail-open like the notification producer: an unreachable queue
is logged and counted (`SearchIndexQueueFailed`), never raised, and the wait is bounded by the
plaza.stores.aws client's timeouts; a reindex mends what a lost event left stale.
"""

from __future__ import annotations

import json
import os
from typing import Literal

from plaza import observability
from plaza.stores import aws

Kind = Literal["post", "user", "hashtag"]
Action = Literal["index", "delete"]


def queue_index_event(kind: Kind, subject_id: str, action: Action = "index") -> bool:
    """Queue `{"kind", "action", "<kind>_id"}` (the post fan-out's shape); True when queued."""
    return _send({"kind": kind, "action": action, f"{kind}_id": str(subject_id)}, kind, subject_id,
                 action)


def queue_hashtag_event(tags: list[str]) -> bool:
    """Queue one event for every hashtag a write changed the count of (a post created, edited or
    deleted: its tags, old and new), `{"kind": "hashtag", "action": "index", "tags": [...]}`."""
    tags = list(dict.fromkeys(tags))
    if not tags:
        return False
    return _send({"kind": "hashtag", "action": "index", "tags": tags}, "hashtag", ",".join(tags),
                 "index")


SQS_BATCH = 10  # SendMessageBatch's limit


def queue_index_events(kind: Kind, subject_ids: list[str]) -> int:
    """Queue one index event per subject, ten to a SendMessageBatch call (counts written back
    once a minute: batched, never one per like); how many were queued."""
    url = os.environ.get("SEARCH_INDEX_QUEUE_URL")
    if not url:
        return 0
    queued = 0
    for start in range(0, len(subject_ids), SQS_BATCH):
        chunk = subject_ids[start:start + SQS_BATCH]
        entries = [{"Id": str(n), "MessageBody": json.dumps(
            {"kind": kind, "action": "index", f"{kind}_id": str(subject)})}
            for n, subject in enumerate(chunk)]
        try:
            answer = aws.client("sqs", attempts=2).send_message_batch(QueueUrl=url, Entries=entries)
        except Exception:  # noqa: BLE001 - boto3 raises many kinds; none may fail the caller
            observability.log_exception("search index events not queued", kind=kind,
                                        count=len(chunk))
            observability.count("SearchIndexQueueFailed", len(chunk), kind=kind)
            continue
        failed = len(answer.get("Failed") or [])
        if failed:
            observability.count("SearchIndexQueueFailed", failed, kind=kind)
        queued += len(chunk) - failed
    return queued


def _send(body: dict[str, object], kind: str, subject_id: str, action: str) -> bool:
    url = os.environ.get("SEARCH_INDEX_QUEUE_URL")
    if not url:
        return False
    try:
        aws.client("sqs", attempts=2).send_message(QueueUrl=url, MessageBody=json.dumps(body))
    except Exception:  # noqa: BLE001 - boto3 raises many kinds; none may fail the write
        observability.log_exception("search index event not queued", kind=kind,
                                    subject_id=subject_id, action=action)
        observability.count("SearchIndexQueueFailed", kind=kind)
        return False
    return True
