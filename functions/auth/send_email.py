"""EmailQueue consumer: write and send each queued identity email (password reset links).

Reports partial batch failures (plaza.sqs_batch): a message whose email could not be sent (SES or
Postgres down) is retried alone and, after five receives, moves to the dead-letter queue; a
message that is not one of ours is logged and dropped, since no retry can fix it.
"""

from typing import Any

from plaza import errors, sqs_batch
from plaza.identity import email_queue, service


def _handle(body: str) -> None:
    service.send_queued_email(email_queue.parse(body))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return sqs_batch.process(event, _handle, what="email", dropped=(errors.Invalid,),
                             dropped_metric="EmailDropped")
