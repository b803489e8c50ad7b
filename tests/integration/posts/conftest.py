"""Posts tests: clean stores, a fresh cache client, and users made quickly (as the graph tests do)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plaza.stores import cache
from tests.integration.social.conftest import MakeUser, make_user

__all__ = ["MakeUser", "make_user"]


@pytest.fixture(autouse=True)
def _fresh_cache(clean_stores: object) -> Iterator[None]:
    """Each test's cache client points at this session's Redis, emptied by clean_stores."""
    cache.reset()
    yield
    cache.reset()
