"""Test harness: one real PostgreSQL and one real Redis per test session, clean data per test.

The stores come from DATABASE_URL / REDIS_URL when set, else they are started here (the same
finder `make dev` uses) and stopped at the end of the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from localcloud.embedded import EmbeddedStores
from plaza import config
from plaza.stores import db, migrations

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def stores() -> Iterator[EmbeddedStores]:
    started = EmbeddedStores.start()
    previous = {key: os.environ.get(key) for key in ("DATABASE_URL", "REDIS_URL")}
    os.environ["DATABASE_URL"] = started.database_url
    os.environ["REDIS_URL"] = started.redis_url
    config.reset_settings()
    with psycopg.connect(started.database_url, autocommit=True) as conn:
        migrations.apply(conn)
    try:
        yield started
    finally:
        db.close()
        started.stop()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        config.reset_settings()


@pytest.fixture(scope="session")
def database_url(stores: EmbeddedStores) -> str:
    return stores.database_url


@pytest.fixture(scope="session")
def redis_url(stores: EmbeddedStores) -> str:
    return stores.redis_url


def _truncate_all(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'schema_migrations'"
            )
        ]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")  # noqa: S608


@pytest.fixture
def clean_stores(stores: EmbeddedStores) -> Iterator[EmbeddedStores]:
    """Empty tables and an empty Redis before the test; fresh settings and connections."""
    _truncate_all(stores.database_url)
    client = redis.Redis.from_url(stores.redis_url)
    client.flushdb()
    client.close()
    config.reset_settings()
    db.close()
    yield stores
    db.close()
    config.reset_settings()


@pytest.fixture
def redis_client(clean_stores: EmbeddedStores) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(clean_stores.redis_url, decode_responses=True)
    yield client
    client.close()
