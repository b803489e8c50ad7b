"""Search cursors: the last item's (rank, time, id) and how it was matched, base64url.

Keyset, not offset: items written while someone pages never make a page repeat or skip one.
The rank is the exact float Postgres computed (repr round-trips it), so the comparison is exact.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from plaza import errors

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_DECODED = re.compile(r"([tfm])\|(-?\d+(?:\.\d+)?(?:e-?\d+)?)\|(\d{1,17})\|([^|\s]{1,200})\|(\d{1,9})")


@dataclass(frozen=True)
class Position:
    fuzzy: bool  # matched by trigram similarity (nothing matched the words exactly)
    rank: float
    at: dt.datetime
    key: str  # a uuid, or a hashtag
    meili_offset: int | None = None  # served by Meilisearch: how many of its hits were read
    total: int = 0  # the estimated_total of the first page, which later pages repeat


def meili(offset: int, total: int) -> Position:
    return Position(False, 0.0, _EPOCH, "m", offset, total)


def encode(position: Position) -> str:
    micros = (position.at - _EPOCH) // _MICROSECOND
    if position.meili_offset is not None:
        text = f"m|0|{position.meili_offset}|m|{position.total}"
    else:
        text = (f"{'f' if position.fuzzy else 't'}|{position.rank!r}|{micros}|{position.key}"
                f"|{position.total}")
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _DECODED.fullmatch(text)
    if match is None:
        raise errors.Invalid("The cursor is not one this API returned", errors=[
            {"field": "query.cursor", "message": "not a cursor this API returned",
             "type": "cursor"}])
    if match.group(1) == "m":
        return meili(int(match.group(3)), int(match.group(5)))
    return Position(match.group(1) == "f", float(match.group(2)),
                    _EPOCH + int(match.group(3)) * _MICROSECOND, match.group(4),
                    total=int(match.group(5)))
