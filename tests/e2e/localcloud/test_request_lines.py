"""The `make dev` terminal: one line per HTTP request and WebSocket route, with its status, time,
function and cold/warm; a refused upgrade is one such line, not an ASGI error; EMF metric lines
are hidden unless verbose."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
LINE = r"^\d\d:\d\d:\d\d  {label}  {status}  \d+\.\d ms  {functions}$"


@pytest.fixture(scope="module")
def echoing_cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, echo_logs=True) as running:
        yield running


def _printed(capfd: pytest.CaptureFixture[str], pattern: str) -> list[str]:
    seen: list[str] = []

    def found() -> list[str] | None:
        seen.extend(capfd.readouterr().out.splitlines())
        matching = [line for line in seen if re.match(pattern, line)]
        return matching or None

    return eventually(found)


def test_an_http_request_is_one_line_cold_then_warm(
        echoing_cloud: RunningCloud, capfd: pytest.CaptureFixture[str]) -> None:
    with httpx.Client(base_url=echoing_cloud.http_url, timeout=30) as client:
        assert client.get("/health").status_code == 200
        cold = _printed(capfd, LINE.format(label="GET /health", status=200,
                                           functions=r"\w+ cold"))
        assert len(cold) == 1
        assert client.get("/health").status_code == 200
        assert _printed(capfd, LINE.format(label="GET /health", status=200,
                                           functions=r"\w+ warm"))
        assert client.get("/no/such/route").status_code == 404
        assert _printed(capfd, LINE.format(label="GET /no/such/route", status=404, functions="-"))


def test_metric_lines_are_hidden_unless_verbose(echoing_cloud: RunningCloud,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    runtime = echoing_cloud.cloud.runtime
    assert runtime is not None
    emf = '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"Plaza"}]},"Requests":1}'
    runtime.echo("HealthFunction", "r-1", emf)
    runtime.echo("HealthFunction", "r-1", "an ordinary log line")
    out = capfd.readouterr().out
    assert "an ordinary log line" in out and "CloudWatchMetrics" not in out
    runtime.verbose = True
    try:
        runtime.echo("HealthFunction", "r-1", emf)
    finally:
        runtime.verbose = False
    assert "CloudWatchMetrics" in capfd.readouterr().out


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_refused_upgrade_is_one_tidy_line(echoing_cloud: RunningCloud,
                                            capfd: pytest.CaptureFixture[str]) -> None:
    # uvicorn's own log: its handlers write to the stderr of when the cloud started.
    uvicorn_log = logging.getLogger("uvicorn.error")
    kept = _Kept()
    uvicorn_log.addHandler(kept)
    stage = echoing_cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
    url = f"{echoing_cloud.websocket_url}/{stage}?token=not-a-token&device_id=d-1"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=30)
    assert refused.value.response.status_code == 401
    lines = _printed(capfd, LINE.format(label=re.escape("WS $connect"), status=401,
                                        functions=r"\w+ (cold|warm)"))
    assert len(lines) == 1
    captured = capfd.readouterr()
    printed = "\n".join([*lines, captured.out, captured.err])
    uvicorn_log.removeHandler(kept)
    assert "ASGI callable" not in printed and "Traceback" not in printed
    assert not [message for message in kept.messages if "handshake" in message]
