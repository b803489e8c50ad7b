"""e2e tests: a local cloud running the main template.yaml, per test module.

Per module, not per session: two clouds cannot run at once in one process (they share moto's
in-process backends), and some modules start clouds of their own. It runs on the session's
stores; tests keep out of each other's way with unique usernames, not by truncating tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def main_cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as running:
        yield running
