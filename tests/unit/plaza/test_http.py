"""plaza.http: requests in, problem+json out, CORS and gzip."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from pydantic import BaseModel, Field

from plaza import budget, errors
from plaza.http import MAX_JSON_DEPTH, Request, Response, endpoint
from tests.support.lambdas import FakeContext, http_event


class NewThing(BaseModel):
    name: str = Field(min_length=3)
    size: int = Field(ge=1)


@endpoint
def create_thing(request: Request) -> Response:
    thing = request.parse(NewThing)
    return Response(201, {"name": thing.name, "size": thing.size})


@endpoint
def fail_with(request: Request) -> None:
    raise {
        "missing": errors.NotFound("No such thing"),
        "limited": errors.RateLimited(retry_after=7),
        "down": errors.Unavailable("Redis is down", dependency="redis"),
        "bug": ZeroDivisionError("secret internals"),
    }[request.query["kind"]]


@endpoint
def big(request: Request) -> dict[str, str]:
    return {"text": "x" * 5000}


def call(handler, event):  # type: ignore[no-untyped-def]
    response = handler(event, FakeContext())
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
        if response["headers"].get("content-encoding") == "gzip":
            body = gzip.decompress(body)
    return response, (json.loads(body) if body else None)


def test_a_valid_body_reaches_the_function_as_a_model() -> None:
    response, body = call(create_thing, http_event("POST", "/things", body={"name": "lamp", "size": 2}))
    assert response["statusCode"] == 201
    assert body == {"name": "lamp", "size": 2}


def test_malformed_json_is_a_400_problem() -> None:
    response, body = call(create_thing, http_event("POST", "/things", body="{not json"))
    assert response["statusCode"] == 400
    assert response["headers"]["content-type"] == "application/problem+json"
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert body["instance"] == "/things"
    assert body["request_id"]


def test_validation_errors_are_a_422_listing_each_field() -> None:
    response, body = call(create_thing, http_event("POST", "/things", body={"name": "x", "size": 0}))
    assert response["statusCode"] == 422
    fields = sorted(item["field"] for item in body["errors"])
    assert fields == ["body.name", "body.size"]


def test_a_missing_body_is_a_422_naming_the_required_fields() -> None:
    response, body = call(create_thing, http_event("POST", "/things"))
    assert response["statusCode"] == 422
    assert {item["field"] for item in body["errors"]} == {"body.name", "body.size"}


def test_a_json_array_body_is_a_422_not_a_crash() -> None:
    response, body = call(create_thing, http_event("POST", "/things", body=[1, 2]))
    assert response["statusCode"] == 422
    assert body["errors"][0]["field"] == "body"


def test_a_non_json_content_type_is_a_415() -> None:
    event = http_event("POST", "/things", body="name=lamp",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    response, body = call(create_thing, event)
    assert response["statusCode"] == 415


def test_invalid_base64_body_is_a_400() -> None:
    event = http_event("POST", "/things", body="***")
    event["isBase64Encoded"] = True
    response, _ = call(create_thing, event)
    assert response["statusCode"] == 400


def _nested(depth: int) -> str:
    return '{"name": "lamp", "size": 1, "extra": ' + "[" * depth + "]" * depth + "}"


def test_json_nested_past_the_bound_is_a_400_problem_not_a_recursion_error() -> None:
    # 100,000 levels: Python's own parser would raise RecursionError (a 500) long before.
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        response, body = call(create_thing, http_event("POST", "/things", body=_nested(depth)))
        assert response["statusCode"] == 400, depth
        assert response["headers"]["content-type"] == "application/problem+json"
        assert "nests deeper than 64" in body["detail"]


def test_json_at_the_bound_and_brackets_inside_strings_are_accepted() -> None:
    assert call(create_thing, http_event("POST", "/things", body=_nested(MAX_JSON_DEPTH - 1)))[
        0]["statusCode"] == 201
    text = {"name": "[" * 500 + '\\"{' * 100, "size": 1}
    response, body = call(create_thing, http_event("POST", "/things", body=text))
    assert response["statusCode"] == 201
    assert body["name"] == text["name"]


def test_nul_characters_in_body_strings_are_a_422_naming_each_field() -> None:
    response, body = call(create_thing, http_event("POST", "/things", body={
        "name": "lamp\u0000", "size": 1, "tags": ["ok", "bad\u0000"], "k\u0000": 1}))
    assert response["statusCode"] == 422
    assert [item["field"] for item in body["errors"]] == [
        "body.name", "body.tags.1", "body.k\\u0000"]
    assert {item["type"] for item in body["errors"]} == {"nul_character"}


def test_nul_characters_in_path_or_query_parameters_are_a_422() -> None:
    event = http_event("GET", "/fail", query={"kind": "missing", "q": "a\x00b"},
                       path_params={"id": "\x00"})
    response, body = call(fail_with, event)
    assert response["statusCode"] == 422
    assert [item["field"] for item in body["errors"]] == ["path.id", "query.q"]


def test_each_request_gets_a_fresh_store_time_budget() -> None:
    seen: list[float] = []

    @endpoint
    def spend(request: Request) -> None:
        seen.append(budget.spent("redis"))
        budget.charge("redis", 5.0)

    for _ in range(2):
        assert call(spend, http_event("GET", "/spend"))[0]["statusCode"] == 200
    assert seen == [0.0, 0.0]
    budget.charge("redis", 5.0)  # outside a request nothing is counted
    assert budget.spent("redis") == 0.0


@pytest.mark.parametrize(("kind", "status"), [("missing", 404), ("limited", 429), ("down", 503)])
def test_domain_errors_become_their_status(kind: str, status: int) -> None:
    response, body = call(fail_with, http_event("GET", "/fail", query={"kind": kind}))
    assert response["statusCode"] == status
    assert body["status"] == status
    assert body["type"].startswith("https://plaza.dev/problems/")


def test_rate_limited_sets_retry_after() -> None:
    response, _ = call(fail_with, http_event("GET", "/fail", query={"kind": "limited"}))
    assert response["headers"]["retry-after"] == "7"


def test_unavailable_names_the_dependency() -> None:
    _, body = call(fail_with, http_event("GET", "/fail", query={"kind": "down"}))
    assert body["dependency"] == "redis"


def test_an_unexpected_error_is_a_500_without_internals() -> None:
    response, body = call(fail_with, http_event("GET", "/fail", query={"kind": "bug"}))
    assert response["statusCode"] == 500
    assert "secret internals" not in response["body"]
    assert "Traceback" not in response["body"]
    assert body["request_id"]


def test_large_bodies_are_gzipped_when_the_client_accepts_it() -> None:
    response, body = call(big, http_event("GET", "/big", headers={"accept-encoding": "gzip, br"}))
    assert response["headers"]["content-encoding"] == "gzip"
    assert response["isBase64Encoded"] is True
    assert body == {"text": "x" * 5000}
    assert len(base64.b64decode(response["body"])) < 1000


def test_bodies_are_not_gzipped_without_accept_encoding() -> None:
    response, body = call(big, http_event("GET", "/big"))
    assert "content-encoding" not in response["headers"]
    assert body == {"text": "x" * 5000}


def test_cors_allows_configured_origins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://app.example.com")
    allowed, _ = call(big, http_event("GET", "/big", headers={"origin": "https://app.example.com"}))
    other, _ = call(big, http_event("GET", "/big", headers={"origin": "https://evil.example"}))
    assert allowed["headers"]["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in other["headers"]


def test_the_authorizer_context_is_readable() -> None:
    request = Request(http_event("GET", "/me", authorizer={"user_id": "u1", "role": "admin"}))
    assert request.authorizer["user_id"] == "u1"


def test_uuids_decimals_dates_and_sets_serialise_as_json() -> None:
    import datetime as dt
    import uuid
    from decimal import Decimal

    from plaza.http import dumps

    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    body = json.loads(dumps({"id": ident, "price": Decimal("1.5"), "day": dt.date(2026, 1, 2),
                             "tags": {"a"}}))
    assert body == {"id": str(ident), "price": 1.5, "day": "2026-01-02", "tags": ["a"]}
    with pytest.raises(TypeError):
        dumps({"raw": object()})


def test_responses_do_not_share_default_headers_or_cookies() -> None:
    first, second = Response(), Response(status=204)
    first.headers["x-one"] = "1"
    first.cookies.append("a=b")
    assert second.headers == {} and second.cookies == []
    assert (first.status, first.body) == (200, None)
