"""Outgoing email through Amazon SES.

Locally AWS_ENDPOINT_URL points boto3 at the local cloud's moto, whose SES keeps every message
(the outbox). SES rejects a sender that is not a verified identity, in moto as in AWS.
"""

from __future__ import annotations

from plaza.config import settings
from plaza.errors import Unavailable
from plaza.stores import aws


def send(to: str, subject: str, text: str) -> str:
    """Send a plain-text email; SES's message id. Unavailable when SES refuses or is down."""
    # lazy: botocore loads with the client, not when a function that may send mail starts
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        # A user waits on this email (sign-up, reset), so SES gets longer than the fail-open
        # callers' defaults.
        response = aws.client("ses", connect_timeout=2, read_timeout=5).send_email(
            Source=settings().mail_from,
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        )
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable("Email could not be sent", dependency="ses") from exc
    return str(response["MessageId"])
