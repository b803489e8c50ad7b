"""Private PostgreSQL and Redis for one bench topic, migrated and named in the environment while
it runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def private_stores(**environ: str) -> Iterator[Any]:
    """Start throwaway stores, migrate the database, set DATABASE_URL, REDIS_URL and `environ`
    (plaza reads its settings afresh); afterwards plaza's connection is closed, the whole
    environment is put back as it was and the stores are stopped."""
    import psycopg

    from localcloud.embedded import EmbeddedStores
    from plaza import config
    from plaza.stores import db, migrations

    stores = EmbeddedStores.start()
    saved = dict(os.environ)
    os.environ.update({"DATABASE_URL": stores.database_url, "REDIS_URL": stores.redis_url,
                       **environ})
    config.reset_settings()
    db.close()
    try:
        with psycopg.connect(stores.database_url, autocommit=True) as conn:
            migrations.apply(conn)
        yield stores
    finally:
        db.close()
        os.environ.clear()
        os.environ.update(saved)
        config.reset_settings()
        stores.stop()
