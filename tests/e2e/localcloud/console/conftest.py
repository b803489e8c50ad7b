"""A local cloud per console test module, running the console fixture template.

Per module, not per package: a package-scoped cloud outlived its package when other modules ran
in between, so two clouds shared moto's in-process backends and one's pollers took the other's
messages (the e2e broadcast test lost its frames that way).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(HERE / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[ROOT / "shared"]) as running:
        yield running
