"""The /_local console over HTTP: the page, the JSON snapshot, the live event stream, actions."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
import pytest

from tests.support import polling
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
    assert functions["DoubleFunction"]["triggers"] == ["state machine DoublingStateMachine"]
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
        # Requested after the stream opened, so it can only reach the stream live (the client's
        # read timeout bounds the wait).
        assert httpx.get(f"{cloud.http_url}/health", timeout=10).status_code == 200

        event = data = None
        for line in lines:
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event == "invocation":
                data = json.loads(line[len("data: "):])
                if data["function"] == "HealthFunction":
                    break

    assert data is not None and data["status"] == "ok"
    assert any("health check" in line for line in data["logs"])


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


def act(cloud: RunningCloud, path: str, body: str = "") -> httpx.Response:
    return httpx.post(f"{cloud.http_url}/_local/api/{path}", content=body.encode(),
                      headers={"x-localcloud-console": "1"}, timeout=20)


eventually = partial(polling.eventually, timeout=15, every=0.05)


def test_run_now_fires_a_schedule_and_the_run_is_recorded(cloud: RunningCloud) -> None:
    assert state(cloud)["actions"]["run_schedule"] is True
    response = act(cloud, "schedules/NightlyFunction-Nightly/run")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "result": {"ran": True}}

    snapshot = state(cloud)
    run = invocations_of(snapshot, "NightlyFunction")[-1]
    assert run["source"] == "schedule" and run["status"] == "ok"
    schedule = next(s for s in snapshot["status"]["schedules"]
                    if s["name"] == "NightlyFunction-Nightly")
    assert schedule["runs"] >= 1 and schedule["last_status"] == "ok"

    assert act(cloud, "schedules/nope/run").status_code == 404


def test_a_message_sent_from_the_page_reaches_the_consumer_and_dead_letters_redrive(
        cloud: RunningCloud) -> None:
    def worker_runs() -> int:
        return len([i for i in invocations_of(state(cloud), "WorkerFunction")
                    if i["source"] == "sqs"])

    before = worker_runs()
    sent = act(cloud, "queues/console-jobs/send", '{"job": 1}')
    assert sent.status_code == 200 and sent.json()["ok"] is True
    eventually(lambda: worker_runs() == before + 1)

    assert act(cloud, "queues/console-jobs-dlq/send", '{"job": 2}').json()["ok"] is True
    eventually(lambda: next(q for q in state(cloud)["status"]["queues"]
                            if q["name"] == "console-jobs")["dlq_depth"] == 1)
    redriven = act(cloud, "queues/console-jobs/redrive")
    assert redriven.json() == {"ok": True, "result": 1}
    eventually(lambda: worker_runs() == before + 2)
    queue = next(q for q in state(cloud)["status"]["queues"] if q["name"] == "console-jobs")
    assert queue["dlq_depth"] == 0
    assert any(item["action"] == "redriven" for item in state(cloud)["recent"]["queue"])


def test_an_execution_started_from_the_page_shows_its_state_history(cloud: RunningCloud) -> None:
    snapshot = state(cloud)
    [machine] = snapshot["state_machines"]
    assert machine["states"] == ["Prepare", "Double"]
    assert act(cloud, "state-machines/DoublingStateMachine/start", "{oops").status_code == 400

    started = act(cloud, "state-machines/DoublingStateMachine/start", '{"n": 21}')
    assert started.status_code == 200
    arn = started.json()["result"]

    def finished() -> dict[str, Any] | None:
        rows = [e for e in state(cloud)["status"]["executions"] if e["arn"] == arn]
        return rows[0] if rows and rows[0]["status"] != "RUNNING" else None

    execution = eventually(finished, timeout=20)
    assert execution["status"] == "SUCCEEDED"
    assert execution["output"] == {"n": 42}
    assert {"Prepare", "Double"} <= {event.get("state") for event in execution["history"]}
    double = invocations_of(state(cloud), "DoubleFunction")[-1]
    assert "doubling 21" in double["logs"]
