"""Reading the emails identity sends: moto's SES backend keeps every accepted message."""

from __future__ import annotations

import re
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

REGION = "us-east-1"
_TOKEN = re.compile(r"token=([A-Za-z0-9_-]+)")


class Outbox:
    """The emails SES accepted, newest last."""

    def messages(self, to: str | None = None) -> list[Any]:
        sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        return [m for m in sent if to is None or to in m.destinations.get("ToAddresses", [])]

    def last_token(self, to: str, subject_word: str) -> str:
        """The token in the newest email to `to` whose subject mentions `subject_word`."""
        for message in reversed(self.messages(to)):
            if subject_word.lower() in message.subject.lower():
                match = _TOKEN.search(message.body)
                assert match, message.body
                return match.group(1)
        raise AssertionError(f"no {subject_word!r} email to {to}")
