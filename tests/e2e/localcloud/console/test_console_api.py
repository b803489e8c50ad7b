"""The /_local console over HTTP: the page, the JSON snapshot, the live event stream, actions."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.support.local_cloud import RunningCloud

pytestmark = pytest.mark.e2e


def state(cloud: RunningCloud) -> dict[str, Any]:
    response = httpx.get(f"{cloud.http_url}/_local/api/state", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()


def invocations_of(snapshot: dict[str, Any], function: str) -> list[dict[str, Any]]:
    return [item for item in snapshot["recent"]["invocation"] if item["function"] == function]


def test_page_is_served_with_its_assets_under_a_strict_content_security_policy(
        cloud: RunningCloud) -> None:
    page = httpx.get(f"{cloud.http_url}/_local", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/_local/console.js"' in page.text
    for asset, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
        response = httpx.get(f"{cloud.http_url}/_local/{asset}", timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(kind)
    # The page never writes data as HTML.
    assert "innerHTML" not in httpx.get(f"{cloud.http_url}/_local/console.js", timeout=10).text


def test_snapshot_lists_routes_and_functions_from_the_template(cloud: RunningCloud) -> None:
    snapshot = state(cloud)

    assert {route["route"] for route in snapshot["http_routes"]} == {"GET /health",
                                                                     "POST /boom/{reason}"}
    assert [(r["route"], r["function"]) for r in snapshot["websocket_routes"]] == [
        ("$default", "SocketFunction")]
    functions = {fn["logical_id"]: fn for fn in snapshot["functions"]}
    assert functions["HealthFunction"]["handler"] == "health.handler"
    assert functions["HealthFunction"]["timeout"] == 5
    assert functions["HealthFunction"]["memory"] == 256
    assert functions["HealthFunction"]["triggers"] == ["GET /health"]
    assert functions["WorkerFunction"]["triggers"] == ["sqs console-jobs"]
    assert functions["NightlyFunction"]["triggers"] == ["schedule cron(0 3 * * ? *)"]
    assert snapshot["endpoints"]["http"] == cloud.http_url
    assert snapshot["status"]["connections"] == []


def test_an_invoked_route_appears_in_the_snapshot_with_its_logs_and_a_warm_container(
        cloud: RunningCloud) -> None:
    response = httpx.get(f"{cloud.http_url}/health", timeout=10)
    assert response.status_code == 200

    snapshot = state(cloud)
    latest = invocations_of(snapshot, "HealthFunction")[-1]
    assert latest["status"] == "ok"
    assert latest["source"] == "http"
    assert latest["duration_ms"] > 0
    assert any(line.startswith("health check from 127.0.0.1") for line in latest["logs"])
    health = next(fn for fn in snapshot["functions"] if fn["logical_id"] == "HealthFunction")
    assert health["warm"] >= 1


def test_a_failing_invocation_carries_its_error_and_the_lines_it_logged(
        cloud: RunningCloud) -> None:
    response = httpx.post(f"{cloud.http_url}/boom/disk-full", timeout=10)
    assert response.status_code == 500

    failed = invocations_of(state(cloud), "BoomFunction")[-1]
    assert failed["status"] == "error"
    assert "RuntimeError" in failed["error"] and "disk-full" in failed["error"]
    assert "about to fail: disk-full" in failed["logs"]


def test_event_stream_delivers_an_invocation_as_it_happens(cloud: RunningCloud) -> None:
    with httpx.Client(timeout=10) as client, \
            client.stream("GET", f"{cloud.http_url}/_local/api/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith(":")) == ": connected"
        started = time.perf_counter()
        assert httpx.get(f"{cloud.http_url}/health", timeout=10).status_code == 200

        event = data = None
        for line in lines:
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event == "invocation":
                data = json.loads(line[len("data: "):])
                if data["function"] == "HealthFunction":
                    break
        elapsed = time.perf_counter() - started

    assert data is not None and data["status"] == "ok"
    assert any("health check" in line for line in data["logs"])
    assert elapsed < 2


def test_a_broken_status_section_is_reported_without_blanking_the_snapshot(
        cloud: RunningCloud) -> None:
    def broken() -> list[Any]:
        raise RuntimeError("backend unavailable")

    cloud.cloud.status["broken"] = broken
    try:
        snapshot = state(cloud)
    finally:
        del cloud.cloud.status["broken"]

    assert snapshot["status_errors"] == {"broken": "RuntimeError: backend unavailable"}
    assert "broken" not in snapshot["status"]
    assert snapshot["http_routes"]


def test_actions_refuse_requests_without_the_console_header(cloud: RunningCloud) -> None:
    response = httpx.post(f"{cloud.http_url}/_local/api/schedules/NightlyFunction-Nightly/run",
                          timeout=10)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{cloud.http_url}/_local/api/nothing", timeout=10).status_code == 404


def test_run_now_fires_a_schedule_and_the_run_is_recorded(cloud: RunningCloud) -> None:
    if not state(cloud)["actions"]["run_schedule"]:
        pytest.skip("this local cloud runs no event sources (localcloud/event_sources.py)")
    response = httpx.post(f"{cloud.http_url}/_local/api/schedules/NightlyFunction-Nightly/run",
                          headers={"x-localcloud-console": "1"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "result": {"ran": True}}

    snapshot = state(cloud)
    run = invocations_of(snapshot, "NightlyFunction")[-1]
    assert run["source"] == "schedule" and run["status"] == "ok"
    schedule = next(s for s in snapshot["status"]["schedules"]
                    if s["name"] == "NightlyFunction-Nightly")
    assert schedule["runs"] >= 1 and schedule["last_status"] == "ok"

    missing = httpx.post(f"{cloud.http_url}/_local/api/schedules/nope/run",
                         headers={"x-localcloud-console": "1"}, timeout=10)
    assert missing.status_code == 404
