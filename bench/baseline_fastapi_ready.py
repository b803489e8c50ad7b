"""The baseline for the cold-start bench: GET /health/ready written the common way, as a FastAPI
app behind Mangum, with the same checks as ours (Postgres SELECT 1, Redis PING, search ping),
and GET /health (liveness, touches nothing) in the same app, as one app usually serves both.

Deliberately idiomatic rather than tuned: settings, clients and the app are built at import
time, as most FastAPI-on-Lambda code does. With BENCH_BASELINE=lean the search client is imported
only when MEILI_URL is set, as plaza does, so the bench also shows the ratio without the cost of an
unused import. Not part of the layer; only `make bench` loads it.
"""

from __future__ import annotations

import os

import psycopg
import redis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from mangum import Mangum
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = ""
    redis_url: str = ""
    meili_url: str = ""
    meili_api_key: str = ""


if os.environ.get("BENCH_BASELINE") != "lean":
    import meilisearch

settings = Settings()
cache = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
search = None
if settings.meili_url:
    import meilisearch

    search = meilisearch.Client(settings.meili_url, settings.meili_api_key)
_db: psycopg.Connection | None = None

app = FastAPI(title="plaza-baseline")


def database() -> psycopg.Connection:
    global _db
    if _db is None or _db.closed:
        _db = psycopg.connect(settings.database_url, autocommit=True, connect_timeout=5)
    return _db


def _search_ping() -> None:
    if search is not None:
        search.health()
    else:
        database().execute("SELECT 1 FROM search_documents LIMIT 1")


@app.get("/health")
def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/health/ready")
def ready() -> JSONResponse:
    checks = {
        "postgres": lambda: database().execute("SELECT 1").fetchone(),
        "redis": cache.ping,
        "search": _search_ping,
    }
    states: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            states[name] = "ok"
        except Exception as error:  # noqa: BLE001 - report every dependency
            states[name] = f"unavailable: {type(error).__name__}"
    failed = [name for name, state in states.items() if state != "ok"]
    if failed:
        return JSONResponse({"status": "unavailable", "dependencies": states}, status_code=503)
    return JSONResponse({"status": "ready", "dependencies": states})


handler = Mangum(app, lifespan="off")
