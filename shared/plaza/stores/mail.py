"""Outgoing email through Amazon SES; the client is created on first use.

Locally AWS_ENDPOINT_URL points boto3 at the local cloud's moto, whose SES keeps every message
(the outbox). SES rejects a sender that is not a verified identity, in moto as in AWS.
"""

from __future__ import annotations

from typing import Any

from plaza.config import settings
from plaza.errors import Unavailable

_client: Any = None


def client() -> Any:
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client("ses", config=Config(connect_timeout=2, read_timeout=5,
                                                   retries={"max_attempts": 2}))
    return _client


def send(to: str, subject: str, text: str) -> str:
    """Send a plain-text email; SES's message id. Unavailable when SES refuses or is down."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = client().send_email(
            Source=settings().mail_from,
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        )
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable("Email could not be sent", dependency="ses") from exc
    return str(response["MessageId"])


def reset() -> None:
    """Drop the client (tests switch endpoints and credentials between cases)."""
    global _client
    _client = None
