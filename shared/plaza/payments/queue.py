"""PaymentsQueue: the webhook records an event and queues its id; the consumer
(functions/payments/process_events.py) applies it once."""

from __future__ import annotations

import json
import os
from typing import Any

from plaza import errors, observability
from plaza.stores import aws


def enqueue(provider: str, event_id: str) -> None:
    """Unavailable when the queue is unreachable: the webhook answers 503 and the provider
    delivers again, which queues it again (the event is recorded but not applied)."""
    try:
        aws.client("sqs").send_message(QueueUrl=os.environ["PAYMENTS_QUEUE_URL"],
                                       MessageBody=json.dumps({"provider": provider,
                                                               "event_id": event_id}))
    except Exception as exc:  # boto3 raises many kinds; each means the event is not queued
        observability.log_exception("payment event not queued", event_id=event_id)
        raise errors.Unavailable("The event could not be queued", dependency="sqs") from exc


def parse(body: str) -> dict[str, Any]:
    message = json.loads(body)
    if not isinstance(message, dict) or not message.get("provider") or not message.get("event_id"):
        raise ValueError("not a payments queue message")
    return message
