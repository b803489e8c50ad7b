"""BroadcastQueue consumer: each message is up to 100 connections of a large topic's broadcast.

All messages of a batch are posted in one parallel pass. A message that cannot be read is
reported failed (then dead-lettered); a connection that cannot be reached is not retried: the
others already have the frame.
"""

import json
from typing import Any

from plaza import observability
from plaza.realtime import delivery


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    batches = []
    for record in event.get("Records", []):
        try:
            batches.append(delivery.BroadcastBatch.read(json.loads(record["body"])))
        except (ValueError, KeyError, TypeError) as error:
            observability.log_error("broadcast message unreadable", error=str(error),
                                    message_id=record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    delivery.deliver_batches(batches)
    return {"batchItemFailures": failures}
