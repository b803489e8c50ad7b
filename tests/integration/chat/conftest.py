"""Chat tests: clean stores and users made quickly (no Argon2, no email)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from localcloud.embedded import EmbeddedStores
from plaza.identity import repo as identity_repo

MakeUser = Callable[[str], str]


@pytest.fixture
def make_user(clean_stores: EmbeddedStores) -> MakeUser:
    """Create an active user named `username`; its id."""

    def make(username: str) -> str:
        row = identity_repo.insert_user(username, f"{username}@example.edu", username.title(),
                                        "not-a-real-hash")
        return str(row["id"])

    return make
