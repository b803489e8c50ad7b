"""ClicksQueue consumer: roll each batch of clicks up in one transaction (a click id seen before
counts nothing, so redeliveries count once), then send the owners `link.clicks` frames.

Not plaza.sqs_batch's message-by-message loop: one transaction per click put 7 statements on
each; one per batch of up to 100 is what lets 10,000 clicks land in seconds (`make bench`). A
message that is not a click is dropped alone; a failed rollup reports the whole batch, which the
click ids make safe to retry.
"""

from typing import Any

from plaza import observability, sqs_batch
from plaza.links import rollups


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    clicks, message_ids = [], []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            clicks.append(rollups.read(sqs_batch.json_object(record.get("body") or "")))
            message_ids.append(message_id)
        except ValueError:
            observability.log_exception("click message dropped", message_id=message_id)
            observability.count("LinkClickDropped")
    try:
        rollups.record(clicks)
    except Exception:  # noqa: BLE001 - retried by SQS (idempotent), then dead-lettered
        observability.log_exception("click batch failed", clicks=len(clicks))
        return {"batchItemFailures": [{"itemIdentifier": item} for item in message_ids]}
    return {"batchItemFailures": []}
