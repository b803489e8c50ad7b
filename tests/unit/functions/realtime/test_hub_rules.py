"""The hub imports no domain: each WebSocket function imports the domains whose rules it needs.
A function missing one would refuse every such topic (or answer presence with a 500), so each is
checked here in a fresh interpreter, as a Lambda container starts."""

from __future__ import annotations

import pytest

from tests.support.fresh_interpreter import after_import


def _registered_by(function: str) -> dict[str, object]:
    return dict(after_import("functions/realtime", function, "from plaza.realtime import rules",
                             "rules.registered()._asdict()"))


def test_subscribe_knows_every_topic_the_readme_lists() -> None:
    registered = _registered_by("subscribe")
    assert registered["topic_kinds"] == ["conversation", "link", "post", "user"]
    assert registered["open_topics"] == ["announcements"]


@pytest.mark.parametrize("function", ["connect", "disconnect"])
def test_presence_changes_reach_conversation_partners(function: str) -> None:
    assert _registered_by(function)["presence_audiences"] == 1


def test_the_presence_snapshot_hides_blocked_users() -> None:
    assert _registered_by("presence")["presence_filters"] == 1


def test_the_presence_snapshot_shows_only_partners_and_followed_users() -> None:
    assert _registered_by("presence")["presence_revealers"] == 2


def _session_checks_of(function: str) -> int:
    return int(after_import("functions/realtime", function, "from plaza.realtime import actions",
                            "actions.session_checks()"))


@pytest.mark.parametrize("function", ["default", "message_read", "message_send", "ping",
                                      "subscribe", "typing_indicator", "unsubscribe"])
def test_every_websocket_action_checks_its_session(function: str) -> None:
    assert _session_checks_of(function) == 1
