"""plaza.websocket: reading a client's frame never crashes a route, however malformed."""

from __future__ import annotations

import pytest

from plaza import websocket


def _frame(body: str | None) -> dict[str, object]:
    return {"requestContext": {"connectionId": "c1"}, "body": body}


def test_a_json_object_frame_is_read() -> None:
    assert websocket.message(_frame('{"action": "ping", "id": 3}')) == {"action": "ping", "id": 3}


@pytest.mark.parametrize("body", [
    None, "", "not json", "[1, 2]",
    # Nested past plaza.http.MAX_JSON_DEPTH: Python's parser would raise RecursionError.
    '{"action": "ping", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"action": "ping", "x": ' + "[" * 65 + "]" * 65 + "}",
])
def test_a_frame_that_is_no_json_object_reads_as_empty(body: str | None) -> None:
    assert websocket.message(_frame(body)) == {}
