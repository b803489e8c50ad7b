"""EmailQueue consumer: send each queued email (plaza.emails), whichever domain queued it.

Identity says who the recipient is and adds what the mail needs (name, fresh tokens). Reports
partial batch failures (plaza.sqs_batch): a message whose email could not be sent (SES or
Postgres down) is retried alone and, after five receives, moves to the dead-letter queue; a
message that is not one of ours, or whose template cannot render, is logged and dropped, since no
retry can fix it. Suppressed addresses are skipped and counted (EmailSuppressed).
"""

from typing import Any

from plaza import emails, errors, sqs_batch
from plaza.emails import delivery
from plaza.identity import mail_recipients


def _handle(body: str) -> None:
    delivery.deliver(emails.parse(body), address_of=mail_recipients.address_of,
                     prepare=mail_recipients.prepare)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return sqs_batch.process(event, _handle, what="email", dropped=(errors.Invalid,),
                             dropped_metric="EmailDropped")
