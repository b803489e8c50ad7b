"""make bench's results: row shape, the markdown table, and partial runs that keep other topics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report
from bench.__main__ import BENCHES, merge_topics, run


def test_a_row_with_a_baseline_carries_the_ratio() -> None:
    item = report.row("cold start", 120.0, "ms", 400.0, runs=7)
    assert (item["ratio"], item["runs"]) == (0.3, 7)
    assert report.row("size", 2.0, "MB")["ratio"] is None


def test_the_table_shows_notes_but_not_the_topic() -> None:
    table = report.markdown([{**report.row("cold start", 120.0, "ms", 400.0, runs=7),
                              "topic": "cold_start"}])
    assert "| cold start | 120.0 | ms | 400.0 | 0.3 | runs: 7 |" in table
    assert "topic" not in table


def test_a_partial_run_replaces_only_its_topics_rows() -> None:
    first, second = list(BENCHES)[:2]
    previous = [{**report.row("old a", 1.0, "ms"), "topic": first},
                {**report.row("old b", 2.0, "ms"), "topic": second},
                {**report.row("untagged", 3.0, "ms")}]
    fresh = [{**report.row("new b", 4.0, "ms"), "topic": second}]
    merged = merge_topics(previous, fresh, [second])
    assert [item["name"] for item in merged] == ["old a", "new b"]


def test_a_failing_topic_becomes_an_error_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(BENCHES, "broken", "bench.no_such_module")
    [item] = run(["broken"])
    assert item["value"] is None and item["topic"] == "broken"
    assert "ModuleNotFoundError" in item["error"]
    target = tmp_path / "results.json"
    report.write_json([item], target)
    assert report.read_json(target) == json.loads(target.read_text())
    assert report.read_json(tmp_path / "missing.json") == []
