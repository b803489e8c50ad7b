"""Ids that arrive from outside (paths, query strings, queue messages, Redis): a value that is no
uuid names nothing, and is caught here before a `::uuid` cast could fail a query."""

from __future__ import annotations

import re
import uuid

# The canonical text form only (what Postgres prints and our ids are made of).
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid_text(value: object) -> bool:
    return isinstance(value, str) and UUID_TEXT.fullmatch(value) is not None


def as_uuid(value: object) -> str | None:
    """The canonical lower-case form of any spelling Python's uuid reads; None if it is none."""
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        return None
