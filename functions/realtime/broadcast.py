"""BroadcastQueue consumer: each message is up to 100 connections of a large topic's broadcast.

All messages of a batch are posted in one parallel pass. A message that cannot be read is
reported failed (then dead-lettered); a connection that cannot be reached is not retried: the
others already have the frame.
"""

import json
from typing import Any

from plaza import observability
from plaza.realtime import delivery


# Hand-written partial batch response, not Powertools' BatchProcessor: importing
# aws_lambda_powertools.utilities.batch added 150-195 ms to this function's import (python -X
# importtime, fresh interpreter, median of 7, two runs on a loaded 2-core machine: 194 -> 346 and
# 200 -> 395 ms; 60-130 ms of it even with Powertools' Logger already loaded), far past the
# ~50 ms a consumer's cold start may grow.
# Messages whose pass raised are all retried: the invocation fails and SQS redelivers them.
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
