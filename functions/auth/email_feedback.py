"""SES bounces and complaints, through SNS: suppress the addresses (plaza.emails.feedback) and flag
the accounts whose address bounced for good.

An error raises, so Lambda retries the asynchronous invocation and then hands the notification to
the function's dead-letter queue; recording it twice changes nothing.
"""

from typing import Any

from plaza import errors, observability
from plaza.emails import feedback
from plaza.identity import service


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    suppressed = flagged = 0
    for record in event.get("Records", []):
        try:
            notification = feedback.parse(record.get("Sns", {}).get("Message") or "")
        except errors.Invalid:
            observability.log_exception("SES notification dropped")
            continue
        result = feedback.record(notification)
        suppressed += len(result.suppressed)
        flagged += service.flag_email_bounced(result.hard_bounced)
    return {"suppressed": suppressed, "accounts_flagged": flagged}
