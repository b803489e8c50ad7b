"""After Postgres restarts, the first write succeeds: a warm function's connection died with the
old server, and the transaction that meets it at BEGIN starts over once on a fresh connection
(plaza.stores.db), as a single statement already did. Before, that first write answered 503.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.apps import SignedInApp
from tests.support.local_cloud import RunningCloud
from tests.support.private_stores import PrivateStores, deployment_of

pytestmark = pytest.mark.e2e


def test_the_first_post_after_a_postgres_restart_is_stored(private: PrivateStores,
                                                           private_cloud: RunningCloud) -> None:
    app = SignedInApp(deployment_of(private_cloud), f"restart_{uuid.uuid4().hex[:8]}")
    try:
        # Warm: the create function's container now holds a connection to this server.
        app.post("before the restart")
        private.stop_postgres()
        private.start_postgres()

        # POST /v1/posts reaches the database first through a transaction (the author's lock).
        created = app.http.post("/v1/posts", json={"text": "after the restart"})
        assert created.status_code == 201, created.text
        assert private.sql("SELECT count(*) FROM posts WHERE text = 'after the restart'") == [(1,)]
    finally:
        app.close()
