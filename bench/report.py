"""Bench rows: the shape every bench module returns, the markdown table and results.json.

A row is a dict with at least `name`, `value` and `unit`. `baseline` (the same thing measured on
the reference implementation) and `ratio` (value / baseline) are filled in when there is one;
any other key (goal, ok, note, ...) is kept in results.json and shown in the notes column.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CORE_KEYS = ("name", "value", "unit", "baseline", "ratio")
# Kept in results.json (a partial run replaces its topics' rows by it) but not shown as a note.
HIDDEN_KEYS = ("topic",)


def row(name: str, value: float | None, unit: str, baseline: float | None = None,
        **extra: Any) -> dict[str, Any]:
    ratio = round(value / baseline, 3) if value is not None and baseline else None
    return {"name": name, "value": value, "unit": unit, "baseline": baseline, "ratio": ratio,
            **extra}


def normalise(item: dict[str, Any]) -> dict[str, Any]:
    return {**{key: item.get(key) for key in CORE_KEYS}, **item}


def median(samples: Iterable[float]) -> float:
    return float(statistics.median(list(samples)))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|")


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| name | value | unit | baseline | ratio | notes |",
             "|---|---:|---|---:|---:|---|"]
    for item in rows:
        notes = "; ".join(f"{key}: {_cell(value)}" for key, value in item.items()
                          if key not in CORE_KEYS + HIDDEN_KEYS and value is not None)
        lines.append("| " + " | ".join(
            [_cell(item["name"]), _cell(item["value"]), _cell(item["unit"]),
             _cell(item["baseline"]), _cell(item["ratio"]), notes]) + " |")
    return "\n".join(lines)


def read_json(path: Path) -> list[dict[str, Any]]:
    """The rows a previous run wrote; none when there is no readable file."""
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [item for item in rows if isinstance(item, dict)] if isinstance(rows, list) else []


def write_json(rows: list[dict[str, Any]], path: Path) -> None:
    path.write_text(json.dumps(rows, indent=2) + "\n")
