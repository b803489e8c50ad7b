"""Queue a notification for the consumer; callers do this after their own change committed.

A notification is a side effect: when the queue is unreachable the event is logged and counted
(`NotificationQueueFailed`), never raised, so a follow, like or message never fails because of it.
One short try without retry (plaza.stores.aws.after_commit): a lost notification is acceptable, a
write answering an error after its commit is not.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from plaza import observability
from plaza.stores import aws


def notify(kind: str, recipient_id: str, actor_id: str | None, data: dict[str, Any] | None = None,
           dedupe_key: str | None = None) -> bool:
    """Queue one notification of `kind` for `recipient_id`; True when it was queued.

    `dedupe_key` names the event: the consumer stores one notification per recipient and key, so
    a redelivered message (or a like, unlike, like again) notifies once. Without one, each call is
    its own event. Notifying oneself is skipped. Without an actor (Plaza's own notices, such as
    "export_ready"), no block or preference applies.
    """
    if recipient_id == actor_id:
        return False
    url = os.environ.get("NOTIFICATIONS_QUEUE_URL")
    if not url:
        observability.log_info("notification skipped: NOTIFICATIONS_QUEUE_URL is not set", kind=kind)
        return False
    body = {
        "kind": kind,
        "recipient_id": str(recipient_id),
        "actor_id": None if actor_id is None else str(actor_id),
        "data": data or {},
        "dedupe_key": dedupe_key or f"{kind}:{uuid.uuid4()}",
    }
    try:
        aws.after_commit("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str))
    except Exception:  # noqa: BLE001 - boto3 raises many kinds; none may fail the caller
        observability.log_exception("notification not queued", kind=kind, recipient_id=recipient_id)
        observability.count("NotificationQueueFailed", kind=kind)
        return False
    return True

