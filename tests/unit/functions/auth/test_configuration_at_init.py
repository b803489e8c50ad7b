"""A function missing a required setting says so once, at init, and answers 503 problem+json
per request; the authorizer denies and logs. Never an uncaught exception."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from plaza import config, observability
from plaza.http import Request, endpoint
from plaza.identity import tokens
from tests.support.lambdas import FakeContext, http_event, load_function

MISSING = "configuration error: JWT_KEYS is not configured"
MISSING_PUBLIC = "configuration error: JWT_PUBLIC_KEYS is not configured"


@pytest.fixture(autouse=True)
def prod_without_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.delenv("JWT_KEYS", raising=False)
    monkeypatch.delenv("JWT_PUBLIC_KEYS", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    # A new service name: Powertools gives its Logger a handler on this test's captured stdout.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"plaza-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(observability, "_logger", None)
    config.reset_settings()
    tokens.reset_keyset()
    yield
    config.reset_settings()
    tokens.reset_keyset()


def _errors(out: str) -> list[str]:
    return [line["message"] for line in map(json.loads, filter(None, out.splitlines()))
            if line.get("level") == "ERROR"]


def test_a_signing_function_without_keys_logs_one_line_at_init_then_answers_503(
        capsys: pytest.CaptureFixture[str]) -> None:
    login = load_function("functions/auth/login.py")
    assert _errors(capsys.readouterr().out) == [MISSING]

    event = http_event("POST", "/v1/auth/login", body={"username": "a", "password": "b"},
                       headers={"x-device-id": "device-0001"})
    result = login.handler(event, FakeContext())
    assert result["statusCode"] == 503
    assert result["headers"]["content-type"] == "application/problem+json"
    problem = json.loads(result["body"])
    assert problem["type"].endswith("/misconfigured") and "JWT" not in problem["detail"]
    assert _errors(capsys.readouterr().out) == []  # said once, at init


def test_a_configuration_error_first_met_in_a_request_is_a_503_and_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    @endpoint
    def signs(request: Request) -> dict[str, str]:
        return {"kid": str(tokens.keyset().active)}

    result = signs(http_event("GET", "/signs"), FakeContext())
    assert result["statusCode"] == 503
    assert json.loads(result["body"])["type"].endswith("/misconfigured")
    assert _errors(capsys.readouterr().out) == [MISSING]


def test_the_authorizer_without_keys_denies_and_logs(capsys: pytest.CaptureFixture[str]) -> None:
    authorizer = load_function("functions/auth/authorizer.py")
    assert _errors(capsys.readouterr().out) == [MISSING_PUBLIC]

    http: dict[str, Any] = http_event("GET", "/v1/feed/home", headers={
        "authorization": "Bearer some.token.here", "x-device-id": "device-0001"})
    http.update(type="REQUEST", routeArn="arn:aws:execute-api:us-east-1:1:api/$default/GET/x")
    assert authorizer.handler(http, FakeContext()) == {"isAuthorized": False}

    arn = "arn:aws:execute-api:us-east-1:1:api/prod/$connect"
    websocket = {"type": "REQUEST", "methodArn": arn,
                 "queryStringParameters": {"token": "some.token.here", "device_id": "device-0001"},
                 "requestContext": {"routeKey": "$connect"}}
    policy = authorizer.handler(websocket, FakeContext())
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert _errors(capsys.readouterr().out) == [MISSING_PUBLIC, MISSING_PUBLIC]
