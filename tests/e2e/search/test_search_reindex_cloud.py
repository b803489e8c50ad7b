"""Search on Meilisearch through the local cloud (the fake of its documented routes): settings
applied and a reindex started at start, index events keep it in step (hashtags included), the
reindex state machine mends a deliberately dropped document, and the drift check reports it in
/health/ready and on the /_local page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.apps import SignedInApp
from tests.support.deployment import Deployment
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.local_only(reason="starts its own cloud and Meilisearch fake")]
ROOT = Path(__file__).resolve().parents[3]
DRIFT_SCHEDULE = "SearchDriftCheckFunction-Every15Minutes"
REINDEX = "SearchReindexStateMachine"


@pytest.fixture(scope="module")
def meili() -> Iterator[FakeMeilisearch]:
    fake = FakeMeilisearch().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores, meili: FakeMeilisearch) -> Iterator[RunningCloud]:
    env = {"RATE_LIMITS": "auth=100000/60,core=100000/60,media=100000/60",
           "MEILI_URL": meili.url, "MEILI_API_KEY": meili.api_key}
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def deployment(cloud: RunningCloud) -> Deployment:
    stage = cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
    return Deployment(cloud.http_url, f"{cloud.websocket_url}/{stage}")


@pytest.fixture
def app(deployment: Deployment) -> Iterator[SignedInApp]:
    user = SignedInApp(deployment, f"mei_{uuid.uuid4().hex[:8]}")
    yield user
    user.close()


def _sfn(cloud: RunningCloud) -> Any:
    return cloud.aws_client("stepfunctions")


def _finished(cloud: RunningCloud, arn: str) -> dict[str, Any] | None:
    execution = _sfn(cloud).describe_execution(executionArn=arn)
    return None if execution["status"] == "RUNNING" else execution


def _act(cloud: RunningCloud, path: str, body: str = "") -> dict[str, Any]:
    response = httpx.post(f"{cloud.http_url}/_local/api/{path}", content=body.encode(),
                          headers={"x-localcloud-console": "1"}, timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ready(cloud: RunningCloud) -> dict[str, Any]:
    response = httpx.get(f"{cloud.http_url}/health/ready", timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _checked_drift(cloud: RunningCloud) -> dict[str, Any]:
    """Run the drift check's schedule now; the report /health/ready then shows, per index."""
    _act(cloud, f"schedules/{DRIFT_SCHEDULE}/run")
    return dict(_ready(cloud)["search_indexes"]["indexes"])


def _docs_total(cloud: RunningCloud) -> int:
    return int(_ready(cloud)["search_indexes"]["indexes"]["posts"]["postgres"])


def _docs(meili: FakeMeilisearch, index: str) -> dict[str, dict[str, Any]]:
    return meili.indexes.get(index, {}).get("documents", {})


def test_start_applies_settings_and_runs_the_reindex_machine(cloud: RunningCloud,
                                                             meili: FakeMeilisearch) -> None:
    for index in ("users", "posts", "hashtags"):
        settings = meili.indexes[index]["settings"]
        assert "de" in settings["stopWords"] and "the" in settings["stopWords"]
    component = next(c for c in cloud.cloud.components if c.name == "search")
    arn = component.reindex_arn  # type: ignore[attr-defined]
    assert arn
    done = eventually(lambda: _finished(cloud, arn), timeout=90)
    assert done["status"] == "SUCCEEDED", done
    assert '"drift"' in done["output"]  # its last step is the drift check


def test_a_new_post_and_its_hashtag_are_found_through_meilisearch(
        app: SignedInApp, meili: FakeMeilisearch) -> None:
    word = f"zq{uuid.uuid4().hex[:10]}"
    post = app.post(f"Morning swim at the {word} cove #{word}")
    assert eventually(lambda: post in _docs(meili, "posts"), timeout=30)
    assert eventually(lambda: any(d["tag"] == word for d in _docs(meili, "hashtags").values()),
                      timeout=30)
    assert eventually(lambda: app.username in {d["username"] for d in _docs(meili, "users").values()},
                      timeout=30)
    found = app.http.get("/v1/search", params={"q": word, "type": "posts", "lang": "en"})
    assert [item["id"] for item in found.json()["items"]] == [post]
    assert meili.searches[-1]["locales"] == ["eng"]
    tags = app.http.get("/v1/search", params={"q": word, "type": "hashtags"}).json()["items"]
    assert [(item["tag"], item["post_count"]) for item in tags] == [(word, 1)]
    suggested = app.http.get("/v1/search/suggestions", params={"q": app.username}).json()["items"]
    assert [item["label"] for item in suggested] == [f"@{app.username}"]
    # Users by name, then hashtags (fewer than 10 users matched): both asked of Meilisearch.
    assert [each["attributesToSearchOn"] for each in meili.searches[-2:]] == [
        ["username", "display_name"], ["tag"]]


def test_a_dropped_document_shows_as_drift_and_the_reindex_machine_mends_it(
        app: SignedInApp, cloud: RunningCloud, meili: FakeMeilisearch) -> None:
    post = app.post(f"Lost and found {uuid.uuid4().hex[:8]}")
    assert eventually(lambda: post in _docs(meili, "posts"), timeout=30)
    # Once the index queue has settled, lose the document as a crashed write would.
    eventually(lambda: _checked_drift(cloud)["posts"]["drift"] == 0, timeout=30, every=0.5)
    _docs(meili, "posts").pop(post)
    assert _checked_drift(cloud)["posts"] == {"postgres": _docs_total(cloud), "search":
                                              _docs_total(cloud) - 1, "drift": -1}
    assert _ready(cloud)["search_indexes"]["backend"] == "meilisearch"
    counts = httpx.get(f"{cloud.http_url}/_local/api/state", timeout=10).json()["status"][
        "search indexes"]
    assert {row["index"]: row["drift"] for row in counts}["posts"] == -1

    started = _act(cloud, f"state-machines/{REINDEX}/start", "{}")
    arn = started["result"] if isinstance(started["result"], str) else started["result"]["executionArn"]
    done = eventually(lambda: _finished(cloud, arn), timeout=90)
    assert done["status"] == "SUCCEEDED", done
    assert post in _docs(meili, "posts")
    assert _ready(cloud)["search_indexes"]["indexes"]["posts"]["drift"] == 0
