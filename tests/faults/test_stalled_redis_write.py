"""A stalled Redis cannot double a write: with Redis frozen (SIGSTOP), a comment through the local
cloud is answered within its function's timeout (201, or a clean 503 before anything was
stored), and the client's retry with the same Idempotency-Key leaves exactly one comment.

Every Redis call on that path fails open; before, each cost 1.5 s twice, enough of them pushed the
request past the 10 s timeout after the commit (a gateway 500), and the retry stored it again.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment
from tests.support.local_cloud import RunningCloud
from tests.support.private_stores import PrivateStores, deployment_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def deployment(private_cloud: RunningCloud) -> Deployment:
    return deployment_of(private_cloud)


def _signed_in(deployment: Deployment, name: str) -> SignedInApp:
    return SignedInApp(deployment, f"{name}_{uuid.uuid4().hex[:8]}")


def _answered_by_plaza(response: httpx.Response) -> None:
    """201, or a 503 problem our code raised before the commit; never the gateway's own 500
    for a function that ran out of time."""
    assert response.status_code in (201, 503), response.text
    if response.status_code == 503:
        assert response.headers["content-type"] == "application/problem+json", response.text


def test_a_comment_while_redis_is_stalled_is_answered_and_its_retry_stores_it_once(
        private: PrivateStores, deployment: Deployment) -> None:
    ann, bob = _signed_in(deployment, "ann"), _signed_in(deployment, "bob")
    try:
        post_id = ann.post("while redis sleeps")
        path = f"/v1/posts/{post_id}/comments"
        # Warm: the comment function's container and the gateway's cached authorization for bob.
        assert bob.http.post(path, json={"text": "before"}).status_code == 201
        key = {"Idempotency-Key": f"comment-{uuid.uuid4().hex}"}

        private.stall_redis()
        try:
            first = bob.http.post(path, json={"text": "during"}, headers=key)
            _answered_by_plaza(first)
            retry = bob.http.post(path, json={"text": "during"}, headers=key)
            _answered_by_plaza(retry)
        finally:
            private.resume_redis()

        if first.status_code == 201:
            assert retry.status_code == 201, retry.text
            assert retry.headers.get("idempotent-replayed") == "true"
            assert retry.json() == first.json()
        stored = private.sql("SELECT count(*) FROM comments WHERE post_id = %s AND text = 'during'",
                            (post_id,))
        assert stored == [(1 if 201 in (first.status_code, retry.status_code) else 0,)]
        after = bob.http.post(path, json={"text": "during"}, headers=key)
        assert after.status_code == 201, after.text
        assert private.sql("SELECT count(*) FROM comments WHERE post_id = %s AND text = 'during'",
                          (post_id,)) == [(1,)]
    finally:
        ann.close()
        bob.close()
