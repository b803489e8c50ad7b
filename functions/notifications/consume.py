"""NotificationsQueue consumer: store and deliver each queued notification.

Reports partial batch failures: a message whose handling failed (Postgres down) is retried
alone and, after five receives, moves to the dead-letter queue; a malformed message is logged
and dropped, since no retry can fix it.
"""

import json
from typing import Any

from plaza import observability
from plaza.notifications import service


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
