"""Load a function's module the way Lambda does (its file, under its own name) and invoke it."""

from __future__ import annotations

import importlib.util
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def load_function(relative_path: str) -> ModuleType:
    path = ROOT / relative_path
    name = "fn_" + relative_path.replace("/", "_").removesuffix(".py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeContext:
    """The attributes of Lambda's context object that handlers read."""

    function_name: str = "test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def load_event(relative_path: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / relative_path).read_text())


def http_event(method: str = "GET", path: str = "/", *, body: Any = None,
               headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
               path_params: dict[str, str] | None = None, route_key: str | None = None,
               authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event."""
    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    all_headers = {"host": "localhost", "user-agent": "pytest"}
    if raw_body is not None:
        all_headers["content-type"] = "application/json"
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "pytest"},
            "requestId": request_id,
            "routeKey": route_key or f"{method} {path}",
            "stage": "$default",
            "time": "23/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1795424400000,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if path_params:
        event["pathParameters"] = path_params
    if raw_body is not None:
        event["body"] = raw_body
    if authorizer is not None:
        event["requestContext"]["authorizer"] = {"lambda": authorizer}
    return event


def json_of(result: dict[str, Any]) -> Any:
    """The JSON body of a function's HTTP result."""
    return json.loads(result["body"])


def problem_of(result: dict[str, Any], status: int) -> dict[str, Any]:
    """The problem+json body of a result that must be this status, with no trace in it."""
    assert result["statusCode"] == status, result
    assert result["headers"]["content-type"] == "application/problem+json"
    body = json_of(result)
    assert body["status"] == status and "Traceback" not in result["body"]
    return dict(body)
