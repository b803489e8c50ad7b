"""The local cloud's HTTP API against a fixture template, through a real HTTP client.

Covers the payload 2.0 event, response mapping, a Lambda REQUEST authorizer (identity sources,
simple responses, TTL caching), CORS from the template and the gateway's own answers: 404, 413,
the integration timeout and a crashing handler.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ORIGIN = "https://app.example"


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(HERE / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[]) as running:
        yield running


@pytest.fixture(scope="module")
def client(cloud: RunningCloud) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cloud.http_url, timeout=20) as http:
        yield http


def echoed(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json()["event"])


def invocations_of(cloud: RunningCloud, function: str) -> int:
    return sum(1 for item in cloud.cloud.recorder.recent("invocation", limit=500)
               if item["function"] == function)


# ---------------------------------------------------------------- the 2.0 event

def test_event_carries_the_payload_2_0_fields(client: httpx.Client) -> None:
    response = client.get("/items/a%20b?x=1&x=2&y=z%21",
                          headers={"X-Custom-Header": "Value", "Cookie": "a=1; b=2",
                                   "User-Agent": "plaza-test"})
    event = echoed(response)
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{item_id}"
    assert event["rawPath"] == "/items/a%20b"
    assert event["rawQueryString"] == "x=1&x=2&y=z%21"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "z!"}
    assert event["pathParameters"] == {"item_id": "a b"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-custom-header"] == "Value"
    assert "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {"method": "GET", "path": "/items/a%20b", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "plaza-test"}
    assert context["routeKey"] == "GET /items/{item_id}"
    assert context["stage"] == "$default"
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert abs(context["timeEpoch"] / 1000 - time.time()) < 60


def test_each_request_gets_its_own_request_id(client: httpx.Client) -> None:
    first = echoed(client.get("/items/1"))["requestContext"]["requestId"]
    second = echoed(client.get("/items/1"))["requestContext"]["requestId"]
    assert first != second


def test_binary_body_arrives_base64_encoded(client: httpx.Client) -> None:
    payload = bytes(range(256))
    event = echoed(client.post("/upload", content=payload,
                               headers={"content-type": "application/octet-stream"}))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_text_body_arrives_as_text(client: httpx.Client) -> None:
    event = echoed(client.post("/upload", json={"name": "Zoë"}))
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"name": "Zoë"}


def test_greedy_path_variable_takes_the_rest_of_the_path_for_any_method(
        client: httpx.Client) -> None:
    event = echoed(client.delete("/files/a/b/c.txt"))
    assert event["routeKey"] == "ANY /files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["requestContext"]["http"]["method"] == "DELETE"


# ---------------------------------------------------------------- response mapping

def test_response_maps_status_headers_and_every_cookie(client: httpx.Client) -> None:
    response = client.get("/respond/full")
    assert response.status_code == 201
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-request-count"] == "7"
    assert response.headers.get_list("set-cookie") == ["session=abc; HttpOnly; Path=/",
                                                        "theme=dark; Path=/"]
    assert response.text == "created"


def test_base64_encoded_response_is_sent_as_bytes(client: httpx.Client) -> None:
    response = client.get("/respond/binary")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == b"\x89PNG\r\n\x1a\n\x00\xff"


def test_result_without_status_code_becomes_a_200_json_body(client: httpx.Client) -> None:
    response = client.get("/respond/bare")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "world"}


# ---------------------------------------------------------------- the Lambda authorizer

def test_authorized_request_reaches_the_handler_with_the_authorizer_context(
        cloud: RunningCloud, client: httpx.Client) -> None:
    token = f"allow-{uuid.uuid4().hex}"
    event = echoed(client.get("/private?tenant=t1", headers={"Authorization": f"Bearer {token}"}))
    context = event["requestContext"]["authorizer"]["lambda"]
    assert context["user"] == token
    assert context["tenant"] == "t1"
    assert context["identitySource"] == [f"Bearer {token}", "t1"]
    assert context["routeArn"].endswith("/$default/GET/private")


def test_authorizer_result_is_cached_for_its_ttl(cloud: RunningCloud,
                                                 client: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer allow-{uuid.uuid4().hex}"}
    before = invocations_of(cloud, "AuthorizerFunction")
    assert client.get("/private?tenant=t1", headers=headers).status_code == 200
    assert client.get("/private?tenant=t1", headers=headers).status_code == 200
    assert invocations_of(cloud, "AuthorizerFunction") == before + 1
    # Another identity (the query string is an identity source too) is authorized anew.
    assert client.get("/private?tenant=t2", headers=headers).status_code == 200
    assert invocations_of(cloud, "AuthorizerFunction") == before + 2


def test_denied_by_the_authorizer_is_403(client: httpx.Client) -> None:
    response = client.get("/private?tenant=t1", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}


@pytest.mark.parametrize(("path", "headers"), [
    ("/private?tenant=t1", {}),
    ("/private", {"Authorization": "Bearer allow-someone"}),
])
def test_missing_identity_source_is_401_without_calling_the_authorizer(
        cloud: RunningCloud, client: httpx.Client, path: str, headers: dict[str, str]) -> None:
    before = invocations_of(cloud, "AuthorizerFunction")
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert invocations_of(cloud, "AuthorizerFunction") == before


def test_authorizer_refusal_carries_cors_headers_for_the_browser(client: httpx.Client) -> None:
    response = client.get("/private?tenant=t1", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["apigw-requestid"]


# ---------------------------------------------------------------- CORS

def test_preflight_is_answered_from_the_templates_cors_configuration(
        cloud: RunningCloud, client: httpx.Client) -> None:
    before = invocations_of(cloud, "EchoFunction")
    response = client.options("/items/1", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-allow-methods"] == "GET,POST,DELETE"
    assert response.headers["access-control-allow-headers"] == "authorization,content-type"
    assert response.headers["access-control-max-age"] == "600"
    assert invocations_of(cloud, "EchoFunction") == before


def test_preflight_from_another_origin_gets_no_cors_headers(client: httpx.Client) -> None:
    response = client.options("/items/1", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in response.headers


def test_simple_request_from_an_allowed_origin_gets_cors_headers(client: httpx.Client) -> None:
    response = client.get("/respond/full", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-expose-headers"] == "x-request-count"
    assert response.headers["vary"] == "Origin"


# ---------------------------------------------------------------- the gateway's own answers

def test_unknown_route_is_404_problem_json(client: httpx.Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["instance"] == "/nowhere"


def test_a_trailing_slash_reaches_the_route_without_it(client: httpx.Client) -> None:
    event = echoed(client.post("/upload/", content=b"x"))
    assert (event["routeKey"], event["rawPath"]) == ("POST /upload", "/upload/")
    assert client.post("/nothing/").status_code == 404


def test_method_without_a_route_is_404(client: httpx.Client) -> None:
    assert client.put("/items/1").status_code == 404


def test_body_over_10_mb_is_413_problem_json(client: httpx.Client) -> None:
    response = client.post("/upload", content=b"x" * (10 * 1024 * 1024 + 1),
                           headers={"content-type": "application/octet-stream"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_streamed_body_over_10_mb_without_length_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b"x" * (1024 * 1024)

    response = client.post("/upload", content=chunks(),
                           headers={"content-type": "application/octet-stream"})
    assert response.status_code == 413


def test_body_of_exactly_10_mb_is_accepted(client: httpx.Client) -> None:
    event = echoed(client.post("/upload", content=b"y" * (10 * 1024 * 1024),
                               headers={"content-type": "text/plain"}))
    assert len(event["body"]) == 10 * 1024 * 1024


def test_handler_past_the_integration_timeout_is_503(cloud: RunningCloud,
                                                     client: httpx.Client) -> None:
    response = client.get("/slow")
    # The route's TimeoutInMillis (300 ms) ran out, not the handler's 3 s sleep (that would be a
    # 200) nor its 5 s Timeout (a 500, as the next test shows).
    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
    last = [item for item in cloud.cloud.recorder.recent("invocation")
            if item["function"] == "SlowFunction"][-1]
    assert last["status"] == "timeout"


def test_function_timing_out_before_the_gateway_is_500(cloud: RunningCloud,
                                                       client: httpx.Client) -> None:
    # Lambda's 1 s Timeout ends the invocation with an error; the route's 29 s never runs out.
    response = client.get("/slow-function")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    last = [item for item in cloud.cloud.recorder.recent("invocation")
            if item["function"] == "ShortTimeoutFunction"][-1]
    assert last["status"] == "timeout"


def test_crashing_handler_is_500_like_api_gateway(cloud: RunningCloud,
                                                  client: httpx.Client) -> None:
    response = client.get("/crash")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "boom" not in response.text
    last = [item for item in cloud.cloud.recorder.recent("invocation")
            if item["function"] == "CrashFunction"][-1]
    assert last["status"] == "error"
    assert "boom" in last["error"]
