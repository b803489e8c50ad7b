"""Keyset cursors: exact round trips, and anything else is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from plaza import errors
from plaza.pagination import decode_cursor, encode_cursor, page_of


def test_a_cursor_round_trips_to_the_microsecond() -> None:
    at = dt.datetime(2026, 11, 23, 10, 0, 0, 123457, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    item = str(uuid.uuid4())
    cursor = encode_cursor(at, item)
    assert "=" not in cursor and item not in cursor
    assert decode_cursor(cursor) == (at, item)


def test_no_cursor_is_the_first_page() -> None:
    assert decode_cursor(None) is None


# "123", "123.", and a negative time "-1.<uuid>".
@pytest.mark.parametrize("cursor", ["", "!!!", "MTIz", "MTIzLg",
                                    "LTEuM2Y2YzkyYTItMGIxZS00ZDZhLTljNWUtMmI3YThkNGUxZjAw"])
def test_anything_else_is_invalid_and_names_the_field(cursor: str) -> None:
    with pytest.raises(errors.Invalid) as raised:
        decode_cursor(cursor, field="query.after")
    assert raised.value.errors[0]["field"] == "query.after"


def test_page_of_cuts_the_extra_row_into_a_cursor() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [{"at": at - dt.timedelta(seconds=i), "id": str(uuid.UUID(int=i))} for i in range(3)]
    page, cursor = page_of(rows, 2, "at", "id")
    assert page == rows[:2]
    assert decode_cursor(cursor) == (rows[1]["at"], rows[1]["id"])
    assert page_of(rows, 3, "at", "id") == (rows, None)
