"""GET /health/ready on the real stores: 200 when all answer, 503 naming the one that fails."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localcloud.embedded import free_port
from plaza import config
from plaza.stores import cache, db, search
from tests.support.fake_meilisearch import FakeMeilisearch
from tests.support.lambdas import FakeContext, http_event, load_function
from tests.support.upstash_endpoint import UpstashEndpoint

Invoke = Callable[[], dict[str, Any]]


def _forget_clients() -> None:
    config.reset_settings()
    db.close()
    cache.reset()
    search.reset()


@pytest.fixture
def ready(clean_stores: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    for key in ("MEILI_URL", "MEILI_API_KEY", "UPSTASH_REDIS_REST_URL", "SEARCH_BACKEND"):
        monkeypatch.delenv(key, raising=False)
    module = load_function("functions/health/ready.py")

    def invoke() -> dict[str, Any]:
        _forget_clients()
        return module.handler(http_event("GET", "/health/ready"), FakeContext())

    yield invoke
    _forget_clients()


def _body(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def test_ready_when_postgres_redis_and_search_answer(ready: Invoke) -> None:
    response = ready()
    assert response["statusCode"] == 200
    assert _body(response) == {
        "status": "ready",
        "dependencies": {"postgres": "ok", "redis": "ok (redis)", "search": "ok (postgres)"},
        "search_indexes": None,  # no drift check ran since the stores were cleaned
    }


def test_a_closed_redis_port_is_a_503_problem_naming_redis(
    ready: Invoke, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    response = ready()
    assert response["statusCode"] == 503
    assert response["headers"]["content-type"] == "application/problem+json"
    assert response["headers"]["retry-after"] == "5"
    body = _body(response)
    assert body["dependency"] == "redis"
    assert body["failed"] == ["redis"]
    assert body["dependencies"]["postgres"] == "ok"
    assert "Traceback" not in response["body"]


def test_a_closed_postgres_port_is_a_503_problem_naming_postgres(
    ready: Invoke, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/plaza")
    response = ready()
    assert response["statusCode"] == 503
    body = _body(response)
    assert body["dependency"] == "postgres"
    assert "postgres" in body["failed"] and "redis" not in body["failed"]
    assert body["dependencies"]["redis"] == "ok (redis)"


def test_upstash_and_meilisearch_are_reported_when_configured(
    ready: Invoke, monkeypatch: pytest.MonkeyPatch, redis_url: str,
) -> None:
    endpoint = UpstashEndpoint(redis_url).start()
    meili = FakeMeilisearch().start()
    try:
        monkeypatch.setenv("UPSTASH_REDIS_REST_URL", endpoint.url)
        monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", endpoint.token)
        monkeypatch.setenv("MEILI_URL", meili.url)
        monkeypatch.setenv("MEILI_API_KEY", meili.api_key)
        healthy = _body(ready())
        meili.stop()
        degraded = ready()
    finally:
        endpoint.stop()
    assert healthy["dependencies"]["redis"] == "ok (upstash)"
    assert healthy["dependencies"]["search"] == "ok (meilisearch)"
    # Search still works from Postgres, so the function stays ready, and says why.
    assert degraded["statusCode"] == 200
    assert _body(degraded)["dependencies"]["search"] == "ok (postgres (meilisearch unavailable))"
