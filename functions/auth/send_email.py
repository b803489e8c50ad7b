"""EmailQueue consumer: write and send each queued identity email (password reset links).

Reports partial batch failures: a message whose email could not be sent (SES or Postgres down) is
retried alone and, after five receives, moves to the dead-letter queue; a message that is not one
of ours is logged and dropped, since no retry can fix it. Hand-written like the notifications
consumer (Powertools' BatchProcessor costs 110-260 ms of import).
"""

from typing import Any

from plaza import errors, observability
from plaza.identity import email_queue, service


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "")
        try:
            service.send_queued_email(email_queue.parse(record.get("body") or ""))
        except errors.Invalid:
            observability.log_exception("email message dropped", message_id=message_id)
            observability.count("EmailDropped")
        except Exception:  # noqa: BLE001 - retried by SQS, then dead-lettered
            observability.log_exception("email not sent", message_id=message_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
