"""Search rows on the Postgres backend: 10,000 users and 100,000 posts of words from a synthetic
vocabulary; `search posts` p50/p95 through plaza.search.service against the same words as a plain
`ILIKE '%q%'` scan in the same run (the baseline), and `suggestions` p95.

Then, on the same data: `reindex` throughput (documents/s of plaza.search.reindex's pages, into
the in-process Meilisearch fake: our side of the pipeline, Postgres reads, version claims and
the HTTP writes, not Meilisearch's own indexing), and `index lag`: from `POST /v1/posts`
returning to the post being found by `GET /v1/search`, through a local cloud on Postgres.
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
GOAL_LAG_P95_MS = 1000.0
LAG_SAMPLES = 40
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
    return [*_search_rows(ours, baseline, suggestions, by_words, median_ours),
            _reindex_row(), _index_lag_row(stores)]


def _search_rows(ours: list[float], baseline: list[float], suggestions: list[float],
                 by_words: dict[int, list[float]], median_ours: float) -> list[dict[str, Any]]:
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


def _reindex_row() -> dict[str, Any]:
    from plaza import config
    from plaza.search import index_settings, pages, reindex
    from plaza.stores import search
    from tests.support.fake_meilisearch import FakeMeilisearch

    fake = FakeMeilisearch().start()
    os.environ.update(MEILI_URL=fake.url, MEILI_API_KEY=fake.api_key)
    config.reset_settings()
    search.reset()
    index_settings.forget_applied()
    try:
        sys.stderr.write("reindexing into the Meilisearch fake\n")
        started = time.perf_counter()
        totals = reindex.run_all(progress=sys.stderr)
        seconds = time.perf_counter() - started
    finally:
        fake.stop()
        for key in ("MEILI_URL", "MEILI_API_KEY"):
            os.environ.pop(key, None)
        config.reset_settings()
        search.reset()
        index_settings.forget_applied()
    documents = sum(done.upserted for done in totals.values())
    return report.row("search reindex throughput (pages of 500 into the Meilisearch fake)",
                      round(documents / seconds), "docs/s", documents=documents,
                      seconds=round(seconds, 1), page_size=pages.PAGE_SIZE,
                      note="in-process fake: Meilisearch's own indexing time is not measured")


def _index_lag_row(stores: Any) -> dict[str, Any]:
    import uuid

    import httpx

    from tests.support.identity import sign_up_and_in
    from tests.support.local_cloud import running_local_cloud

    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    lags: list[float] = []
    with running_local_cloud(root / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as cloud:
        name = f"lag_{uuid.uuid4().hex[:8]}"
        login = sign_up_and_in(cloud.http_url, name, "bench-lag-device")
        with httpx.Client(base_url=cloud.http_url, timeout=30, headers={
                "authorization": f"Bearer {login['access_token']}",
                "x-device-id": "bench-lag-device"}) as client:
            for n in range(LAG_SAMPLES + 1):
                word = f"lag{uuid.uuid4().hex[:12]}"
                created = client.post("/v1/posts", json={"text": f"index lag probe {word}"})
                assert created.status_code == 201, created.text
                returned = time.perf_counter()
                while not client.get("/v1/search", params={"q": word}).json()["items"]:
                    time.sleep(0.005)
                if n:  # the first warms the functions
                    lags.append((time.perf_counter() - returned) * 1000)
    return report.row("search index lag p95 (POST /v1/posts returned -> found by GET /v1/search,"
                      " local cloud, Postgres)", _p95(lags), "ms",
                      goal=f"<= {GOAL_LAG_P95_MS:g} ms", ok=_p95(lags) <= GOAL_LAG_P95_MS,
                      p50=round(report.median(lags), 2), samples=len(lags))


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
