"""Private PostgreSQL and Redis for one bench topic, named in the environment while it runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def private_stores(**environ: str) -> Iterator[Any]:
    """Start throwaway stores, set DATABASE_URL, REDIS_URL and `environ`; afterwards the whole
    environment is put back as it was and the stores are stopped."""
    from localcloud.embedded import EmbeddedStores

    stores = EmbeddedStores.start()
    saved = dict(os.environ)
    os.environ.update({"DATABASE_URL": stores.database_url, "REDIS_URL": stores.redis_url,
                       **environ})
    try:
        yield stores
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stores.stop()
