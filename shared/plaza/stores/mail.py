"""Outgoing email through Amazon SES: one MIME message, text and HTML alternatives.

Sent raw (SendRawEmail) so the message is exactly what plaza.emails rendered, with the
configuration set whose event destination reports bounces and complaints (SES_CONFIGURATION_SET).
Locally AWS_ENDPOINT_URL points boto3 at the local cloud's moto, whose SES keeps every message
(the outbox). SES rejects a sender that is not a verified identity, in moto as in AWS.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from plaza.config import settings
from plaza.errors import Unavailable
from plaza.stores import aws


def build(sender: str, to: str, subject: str, text: str, html: str | None = None) -> bytes:
    """The MIME message: multipart/alternative when there is HTML, plain text otherwise."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def send(to: str, subject: str, text: str, *, html: str | None = None) -> str:
    """Send one email; SES's message id. Unavailable when SES refuses or is down."""
    # lazy: botocore loads with the client, not when a function that may send mail starts
    from botocore.exceptions import BotoCoreError, ClientError

    config = settings()
    request: dict[str, object] = {
        "Source": config.mail_from, "Destinations": [to],
        "RawMessage": {"Data": build(config.mail_from, to, subject, text, html)},
    }
    if config.ses_configuration_set:
        request["ConfigurationSetName"] = config.ses_configuration_set
    try:
        # The queue consumer waits on this; SES gets longer than the fail-open callers' defaults.
        response = aws.client("ses", connect_timeout=2, read_timeout=5).send_raw_email(**request)
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable("Email could not be sent", dependency="ses") from exc
    return str(response["MessageId"])
