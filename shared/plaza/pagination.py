"""Opaque keyset cursors: a page's last (timestamp, id), for lists ordered newest first.

The cursor is base64url of "<microseconds since the epoch>.<uuid>": opaque to clients, exact to
the microsecond Postgres stores, and checked strictly, so a tampered cursor is a 422, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import uuid

from plaza import errors

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_DECODED = re.compile(r"(\d{1,17})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")

Key = tuple[dt.datetime, str]


def encode_cursor(at: dt.datetime, item_id: str) -> str:
    micros = (at - _EPOCH) // _MICROSECOND
    return base64.urlsafe_b64encode(f"{micros}.{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "query.cursor") -> Key | None:
    """The key a cursor stands for; None for no cursor; Invalid naming `field` if it is not ours."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _DECODED.fullmatch(text)
    if match is None:
        raise errors.Invalid("The cursor is not one this API returned", errors=[
            {"field": field, "message": "not a cursor this API returned", "type": "cursor"}])
    at = _EPOCH + int(match.group(1)) * _MICROSECOND
    return at, str(uuid.UUID(match.group(2)))


def page_of(rows: list[dict], limit: int, at: str, item_id: str) -> tuple[list[dict], str | None]:
    """Split `limit + 1` fetched rows into the page and the cursor of the next one (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(last[at], str(last[item_id]))
