"""Account deletion through the local cloud: the routes, the hourly starter fired on demand, the
account_deletion state machine run by moto with our step function, and a rerun that changes
nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from localcloud.aws.services import AwsServices
from localcloud.embedded import EmbeddedStores
from localcloud.event_sources import EventSources
from tests.support.deployment import Deployment
from tests.support.identity import E2E_PASSWORD
from tests.support.local_cloud import RunningCloud
from tests.support.polling import eventually
from tests.support.sockets import Member

pytestmark = [pytest.mark.e2e, pytest.mark.local_only]


@pytest.fixture
def members(deployment: Deployment) -> Iterator[tuple[Member, Member]]:
    with ExitStack() as stack:
        suffix = uuid.uuid4().hex[:8]
        yield (Member(deployment, stack, f"ann_{suffix}"), Member(deployment, stack, f"bob_{suffix}"))


def _api(member: Member, method: str, path: str, json: Any = None) -> Any:
    with member.http() as client:
        return client.request(method, path, json=json)


def _sql(stores: EmbeddedStores, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with psycopg.connect(stores.database_url, row_factory=dict_row, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def _finished_executions(cloud: RunningCloud, user_id: str) -> list[dict[str, Any]]:
    return [execution for execution in cloud.cloud.status["executions"]()
            if execution.get("input") == {"user_id": user_id}
            and execution["status"] != "RUNNING"]


def _leftovers(stores: EmbeddedStores, user_id: str) -> dict[str, Any]:
    [row] = _sql(stores, (
        "SELECT (SELECT count(*) FROM follows WHERE follower_id = %(u)s OR followee_id = %(u)s)"
        " AS follows, (SELECT count(*) FROM posts WHERE author_id = %(u)s) AS posts,"
        " (SELECT count(*) FROM messages WHERE sender_id = %(u)s) AS messages,"
        " (SELECT count(*) FROM sessions WHERE user_id = %(u)s AND revoked_at IS NULL) AS sessions,"
        " (SELECT status FROM users WHERE id = %(u)s) AS status"), {"u": user_id})
    return row


def test_a_deletion_is_scheduled_cancelled_rescheduled_and_carried_out_once(
        members: tuple[Member, Member], main_cloud: RunningCloud, stores: EmbeddedStores) -> None:
    ann, bob = members
    assert _api(ann, "PUT", f"/v1/users/{bob.username}/follow").status_code in (200, 204)
    assert _api(ann, "POST", "/v1/posts", {"text": "soon gone"}).status_code == 201
    created = _api(ann, "POST", "/v1/conversations", {"usernames": [bob.username]})
    conversation = created.json()["id"]
    assert _api(ann, "POST", f"/v1/conversations/{conversation}/messages",
                {"client_msg_id": "m-1", "text": "bye"}).status_code == 201

    assert _api(ann, "DELETE", "/v1/users/me", {"password": "not it"}).status_code == 403
    scheduled = _api(ann, "DELETE", "/v1/users/me", {"password": E2E_PASSWORD})
    assert scheduled.status_code == 202, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    assert _api(bob, "GET", f"/v1/users/{ann.username}").status_code == 404

    with ann.deployment.client(ann.source, headers={"x-device-id": "device-cancel1"}) as client:
        cancelled = client.post("/v1/me/deletion/cancel",
                                json={"username": ann.username, "password": E2E_PASSWORD})
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["access_token"]
        again = client.post("/v1/me/deletion/cancel",
                            json={"username": ann.username, "password": E2E_PASSWORD})
        assert again.status_code == 409
        token = cancelled.json()["access_token"]
        assert _api(bob, "GET", f"/v1/users/{ann.username}").status_code == 200
        rescheduled = client.request("DELETE", "/v1/users/me", json={"password": E2E_PASSWORD},
                                     headers={"authorization": f"Bearer {token}"})
        assert rescheduled.status_code == 202, rescheduled.text

    _sql(stores, "UPDATE account_deletions SET due_at = now() - interval '1 second'"
         " WHERE user_id = %(u)s", {"u": ann.id})
    events = next(c for c in main_cloud.cloud.components if isinstance(c, EventSources))
    started = main_cloud.run(events.trigger_schedule("AccountsStartDeletionsFunction"))
    assert started["claimed"] == 1 and started["started"] == 1
    [execution] = eventually(lambda: _finished_executions(main_cloud, ann.id), timeout=60)
    assert execution["status"] == "SUCCEEDED", execution
    after = _leftovers(stores, ann.id)
    assert after == {"follows": 0, "posts": 0, "messages": 0, "sessions": 0, "status": "deleted"}
    history = _api(bob, "GET", f"/v1/conversations/{conversation}/messages").json()["items"]
    assert [(item["text"], item["sender_id"]) for item in history] == [("bye", None)]

    # The whole machine once more, as an outage's restart would: it succeeds and changes nothing.
    services = next(c for c in main_cloud.cloud.components if isinstance(c, AwsServices))
    main_cloud.run(services.start_execution("AccountDeletionStateMachine", {"user_id": ann.id}))
    reruns = eventually(lambda: [e for e in _finished_executions(main_cloud, ann.id)
                                 if e["arn"] != execution["arn"]] or None, timeout=60)
    assert reruns[0]["status"] == "SUCCEEDED", reruns[0]
    assert _leftovers(stores, ann.id) == after
    assert _api(bob, "GET", f"/v1/conversations/{conversation}/messages").json()["items"] == history
