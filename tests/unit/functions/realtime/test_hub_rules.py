"""The hub imports no domain: each WebSocket function imports the domains whose rules it needs.
A function missing one would refuse every such topic (or answer presence with a 500), so each is
checked here in a fresh interpreter, as a Lambda container starts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.unit.plaza.test_import_cost import ROOT


def _registered_by(function: str) -> dict[str, object]:
    paths = [str(ROOT / "functions" / "realtime"), str(ROOT / "shared")]
    script = (f"import sys; sys.path[:0] = {paths!r}\nimport {function}\n"
              "from plaza.realtime import rules\n"
              "import json; print(json.dumps(rules.registered()._asdict()))")
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    return dict(json.loads(done.stdout))


def test_subscribe_knows_every_topic_the_readme_lists() -> None:
    registered = _registered_by("subscribe")
    assert registered["topic_kinds"] == ["conversation", "post", "user"]
    assert registered["open_topics"] == ["announcements"]


@pytest.mark.parametrize("function", ["connect", "disconnect"])
def test_presence_changes_reach_conversation_partners(function: str) -> None:
    assert _registered_by(function)["presence_audiences"] == 1


def test_the_presence_snapshot_hides_blocked_users() -> None:
    assert _registered_by("presence")["presence_filters"] == 1
