"""NotificationsQueue consumer: store and deliver each queued notification.

Reports partial batch failures: a message whose handling failed (Postgres down) is retried
alone and, after five receives, moves to the dead-letter queue; a malformed message is logged
and dropped, since no retry can fix it.
"""

import json
from typing import Any

from plaza import observability
from plaza.notifications import service


# Hand-written partial batch response, not Powertools' BatchProcessor: importing
# aws_lambda_powertools.utilities.batch added 110-260 ms to this function's import (python -X
# importtime, fresh interpreter, median of 7, two runs on a loaded 2-core machine: 1,338 -> 1,449
# and 933 -> 1,193 ms), past the ~50 ms a consumer's cold start may grow. The loop keeps the
# processor's contract: the ids of the failed messages in `batchItemFailures`.
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            body = json.loads(record.get("body") or "")
            if not isinstance(body, dict):
                raise service.BadEvent("the body is not a JSON object")
            service.handle(body)
        except (ValueError, service.BadEvent):
            observability.log_exception("notification message dropped", message_id=message_id)
            observability.count("NotificationDropped")
        except Exception:  # noqa: BLE001 - retried by SQS, then dead-lettered
            observability.log_exception("notification failed", message_id=message_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
