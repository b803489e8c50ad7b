"""Search rows on the Postgres backend: 10,000 users and 100,000 posts of words from a synthetic
vocabulary; `search posts` p50/p95 through plaza.search.service against the same words as a plain
`ILIKE '%q%'` scan in the same run (the baseline), and `suggestions` p95.

Not measured yet: index lag through the local cloud and reindex throughput (README says so).
"""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Any

from bench import report

USERS, POSTS, CHUNK = 10_000, 100_000, 10_000
WORDS_PER_POST = 14
SAMPLES = 200
GOAL_SEARCH_P95_MS, GOAL_SUGGEST_P95_MS = 30.0, 10.0
_SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "pe", "da", "ri", "go", "la", "ze",
              "bo", "fu", "ne", "sa", "to", "ju"]


def _progress(label: str, done: int, total: int) -> None:
    width = 40
    filled = width * done // total
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _vocabulary(rng: random.Random) -> list[str]:
    words = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randrange(2, 5)))
             for _ in range(4000)}
    return sorted(words)


def _seed(conn: Any, vocabulary: list[str]) -> list[str]:
    conn.execute("INSERT INTO users (username, email, display_name, bio)"
                 " SELECT 'bench_u' || n, 'bench_u' || n || '@example.edu', 'Bench ' || n, ''"
                 " FROM generate_series(1, %s) n", (USERS,))
    users = [str(row[0]) for row in conn.execute("SELECT id FROM users ORDER BY id")]
    for start in range(0, POSTS, CHUNK):
        # One random sentence per row: the inner query refers to the row (g) so it runs per row.
        conn.execute(
            "INSERT INTO posts (author_id, text, created_at)"
            " SELECT u.ids[1 + (g %% array_length(u.ids, 1))],"
            " (SELECT string_agg((%(words)s::text[])[1 + floor(random() * %(n)s)::int + 0 * w], ' ')"
            "  FROM generate_series(1, %(per)s::int) w WHERE g >= 0),"
            " now() - (g || ' seconds')::interval"
            " FROM generate_series(%(start)s::int, %(end)s::int) g,"
            " (SELECT %(users)s::uuid[] AS ids) u",
            {"per": WORDS_PER_POST, "start": start, "end": start + CHUNK - 1, "users": users,
             "words": vocabulary, "n": len(vocabulary)})
        _progress("seeding 100,000 posts", start + CHUNK, POSTS)
    conn.execute("ANALYZE")
    return users


def _p95(samples: list[float]) -> float:
    return round(sorted(samples)[int(len(samples) * 0.95) - 1], 2)


def _timed(run: Any) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def _measure(stores: Any) -> list[dict[str, Any]]:
    import psycopg

    from plaza import config
    from plaza.search import service, suggest
    from plaza.search.models import SearchQuery
    from plaza.stores import cache, db

    rng = random.Random(11)
    vocabulary = _vocabulary(rng)
    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        users = _seed(conn, vocabulary)
    os.environ["DATABASE_URL"] = stores.database_url
    os.environ["REDIS_URL"] = stores.redis_url
    config.reset_settings()
    cache.reset()
    ours, baseline, suggestions = [], [], []
    by_words: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(SAMPLES):
        viewer = rng.choice(users)
        q = " ".join(rng.sample(vocabulary, rng.choice([1, 1, 2])))
        query = SearchQuery(q=q, type="posts")
        ours.append(_timed(lambda viewer=viewer, query=query: service.search(viewer, query)))
        by_words[len(q.split())].append(ours[-1])
        baseline.append(_timed(lambda q=q: db.fetch_all(
            "SELECT p.id FROM posts p WHERE p.deleted_at IS NULL AND p.text ILIKE %s"
            " ORDER BY p.created_at DESC LIMIT 21", (f"%{q}%",))))
        prefix = rng.choice(["bench_u1", "bench_u2", "ka", "lo", "mi"])
        suggestions.append(_timed(lambda viewer=viewer, prefix=prefix:
                                  suggest.suggestions(viewer, prefix)))
    median_ours = round(report.median(ours), 2)
    return [
        report.row(f"search posts p95 ({POSTS:,} posts, {USERS:,} users; baseline ILIKE scan)",
                   _p95(ours), "ms", baseline=_p95(baseline), goal=f"<= {GOAL_SEARCH_P95_MS:g} ms",
                   ok=_p95(ours) <= GOAL_SEARCH_P95_MS, p50=median_ours,
                   baseline_p50=round(report.median(baseline), 2), samples=len(ours),
                   # Two random words rarely share a post: those fall back to trigram similarity.
                   p95_one_word=_p95(by_words[1]), p95_two_words=_p95(by_words[2])),
        report.row("search suggestions p95", _p95(suggestions), "ms",
                   goal=f"<= {GOAL_SUGGEST_P95_MS:g} ms",
                   ok=_p95(suggestions) <= GOAL_SUGGEST_P95_MS,
                   p50=round(report.median(suggestions), 2), samples=len(suggestions)),
    ]


def rows() -> list[dict[str, Any]]:
    from localcloud.embedded import EmbeddedStores

    stores = EmbeddedStores.start({})
    saved = dict(os.environ)
    try:
        import psycopg

        from plaza.stores import migrations

        with psycopg.connect(stores.database_url, autocommit=True) as conn:
            migrations.apply(conn)
        return _measure(stores)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        from plaza import config
        from plaza.stores import db

        db.close()
        config.reset_settings()
        stores.stop()
