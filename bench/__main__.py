"""`python -m bench [topic ...]`: runs the registered bench modules, prints a markdown table and
writes bench/results.json.

To add rows, write `bench/<topic>.py` with `rows() -> list[dict]` (see bench/report.py for the
row shape) and register it in BENCHES. A topic that fails adds an error row; the others still run.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# `make bench` exports PYTHONPATH; this lets a bare `python -m bench` find the layer too.
if str(ROOT / "shared") not in sys.path:
    sys.path.insert(0, str(ROOT / "shared"))

from bench import report  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"

# Run in this order; cold start first, before anything else warms the page cache for it.
BENCHES: dict[str, str] = {
    "cold_start": "bench.cold_start",
    "imports": "bench.imports",
    # Restored (forked) containers, the first request, make dev's start, init per group.
    "startup": "bench.startup",
    "sizes": "bench.sizes",
    "local_http": "bench.local_http",
    "identity": "bench.identity",
    "posts": "bench.posts",
    "feeds": "bench.feeds",
    "chat": "bench.chat",
    "realtime": "bench.realtime",
    "search": "bench.search",
    "payments": "bench.payments",
    "backoffice": "bench.backoffice",
    "accounts": "bench.accounts",
    "mail": "bench.mail",
    "media": "bench.media",
    "links": "bench.links",
    # Last: a shorter `make soak` against a local cloud of its own (SOAK_SECONDS overrides).
    "soak": "bench.soak",
}


def run(topics: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for topic in topics:
        started = time.perf_counter()
        print(f"bench: {topic} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(BENCHES[topic])
            rows.extend({**report.normalise(item), "topic": topic} for item in module.rows())
        except Exception as error:  # noqa: BLE001 - one broken topic must not hide the others
            traceback.print_exc()
            rows.append(report.row(f"{topic} (failed)", None, "", topic=topic,
                                   error=f"{type(error).__name__}: {error}"))
        finally:
            _forget_clients()
        print(f"bench: {topic} took {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return rows


def _forget_clients() -> None:
    """Each topic starts its own stores and stops them: none may inherit a client of the last."""
    from plaza import config
    from plaza.stores import aws, cache, db, realtime

    config.reset_settings()
    cache.reset()
    db.close()
    realtime.reset()
    aws.reset()


def merge_topics(previous: list[dict[str, Any]], fresh: list[dict[str, Any]],
                 topics: list[str]) -> list[dict[str, Any]]:
    """`previous` with the rows of `topics` replaced by `fresh`, in BENCHES order."""
    kept = [item for item in previous if item.get("topic") in BENCHES and item["topic"] not in topics]
    order = list(BENCHES)
    return sorted(kept + fresh, key=lambda item: order.index(item["topic"]))


def main(argv: list[str]) -> int:
    unknown = [topic for topic in argv if topic not in BENCHES]
    if unknown:
        print(f"unknown topics {unknown}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    rows = run(argv or list(BENCHES))
    print(report.markdown(rows))
    failed = any(row["value"] is None for row in rows)
    if argv:
        # A partial run replaces its own topics' rows in results.json and keeps the others'.
        rows = merge_topics(report.read_json(RESULTS), rows, argv)
    report.write_json(rows, RESULTS)
    print(f"\nwrote {RESULTS}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
