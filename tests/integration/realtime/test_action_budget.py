"""Each WebSocket frame an action handles gets a Redis time budget of its own, as each HTTP
request does: a frame that spent its budget leaves the next frame's Redis calls untouched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import plaza.notifications.sessions  # noqa: F401 - registers the live-session check
from plaza import budget, websocket
from plaza.config import settings
from plaza.errors import Unavailable
from plaza.identity import repo as identity_repo
from plaza.realtime import actions
from plaza.stores import cache
from tests.support.lambdas import FakeContext
from tests.support.users import insert_user

pytestmark = pytest.mark.usefixtures("clean_stores")


def _frame(user_id: str, session_id: str) -> dict[str, Any]:
    return {"requestContext": {"connectionId": "conn-1", "authorizer": {
        "user_id": user_id, "role": "user", "device_id": "phone-0001", "session_id": session_id}},
        "body": '{"action": "ping", "id": 1}'}


def _redis_answers() -> bool:
    try:
        cache.client().get("budget-probe")
    except Unavailable:
        return False
    return True


def test_a_frame_that_spent_its_redis_budget_leaves_the_next_frame_a_fresh_one() -> None:
    cache.reset()
    ann = insert_user("ann")
    session = identity_repo.insert_session(ann, "phone-0001", "pytest", "10.0.0.1",
                                           dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    seen: list[tuple[bool, bool]] = []

    @actions.websocket_action("core")
    def spend_it_all(event: dict[str, Any], context: Any) -> dict[str, Any]:
        before = _redis_answers()
        budget.charge(cache.STORE, settings().redis_request_budget_s)  # as a stalled Redis would
        seen.append((before, _redis_answers()))
        return websocket.ok()

    for _ in range(2):
        assert spend_it_all(_frame(ann, session), FakeContext()) == websocket.ok()

    # Within a frame a spent budget refuses Redis at once; the next frame starts from zero.
    assert seen == [(True, False), (True, False)]
    assert budget.spent(cache.STORE) == 0  # and no budget outlives its frame
