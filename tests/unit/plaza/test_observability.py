"""plaza.observability: JSON logs correlated by the API Gateway request id, EMF metrics in Plaza."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from plaza import observability
from plaza.http import Request, endpoint
from tests.support.lambdas import FakeContext, http_event


@pytest.fixture(autouse=True)
def fresh_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # Powertools configures a Logger once per service name; a new name gets a handler writing
    # to this test's captured stdout.
    name = f"plaza-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", name)
    monkeypatch.setattr(observability, "_logger", None)
    monkeypatch.setattr(observability, "_correlation_id", None)
    yield name


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_logs_are_json_with_the_request_id_as_correlation_id(
        capsys: pytest.CaptureFixture[str], fresh_service: str) -> None:
    observability.bind_request("api-request-1", "lambda-request-1")
    observability.log_info("post created", post_id="p1", size=3, tags=["a"])

    [line] = _json_lines(capsys.readouterr().out)
    assert line["message"] == "post created"
    assert line["level"] == "INFO"
    assert line["service"] == fresh_service
    assert line["correlation_id"] == "api-request-1"
    assert (line["post_id"], line["size"], line["tags"]) == ("p1", 3, "['a']")


def test_without_an_api_gateway_request_id_the_lambda_request_id_correlates(
        capsys: pytest.CaptureFixture[str]) -> None:
    observability.log_warning("before any request")
    observability.bind_request("", "lambda-request-2")
    observability.log_warning("during a queue message")

    before, during = _json_lines(capsys.readouterr().out)
    assert before.get("correlation_id") is None
    assert during["correlation_id"] == "lambda-request-2"


def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(
        capsys: pytest.CaptureFixture[str]) -> None:
    @endpoint
    def broken(request: Request) -> None:
        raise ZeroDivisionError("internal detail")

    event = http_event("GET", "/broken")
    response = broken(event, FakeContext())

    [line] = _json_lines(capsys.readouterr().out)
    assert response["statusCode"] == 500
    assert "internal detail" not in response["body"]
    assert line["level"] == "ERROR"
    assert line["correlation_id"] == event["requestContext"]["requestId"]
    assert "ZeroDivisionError: internal detail" in line["exception"]


def test_count_writes_one_emf_metric_in_the_plaza_namespace(
        capsys: pytest.CaptureFixture[str], fresh_service: str) -> None:
    observability.count("SearchFallback", backend="meilisearch")

    [emf] = _json_lines(capsys.readouterr().out)
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Plaza"
    assert directive["Metrics"] == [{"Name": "SearchFallback", "Unit": "Count"}]
    assert set(directive["Dimensions"][0]) == {"service", "backend"}
    assert emf["SearchFallback"] in (1, [1], 1.0, [1.0])
    assert (emf["service"], emf["backend"]) == (fresh_service, "meilisearch")


def test_count_writes_nothing_when_metrics_are_disabled(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    observability.count("SearchFallback")
    assert _json_lines(capsys.readouterr().out) == []
