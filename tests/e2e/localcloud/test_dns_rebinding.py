"""DNS rebinding: the HTTP API, /_local, the WebSocket API and @connections answer a request only
when its Host is a loopback name or address (or one allowed with --allow-host), so a page whose
name an attacker re-points at 127.0.0.1 can neither read them nor press the console's buttons."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  PingFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: functions/
      Handler: ping.handler
      Events:
        Ping:
          Type: HttpApi
          Properties:
            Method: GET
            Path: /ping
  SocketApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: sockets
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  SocketStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref SocketApi
      StageName: test
"""

HANDLER = """\
def handler(event, context):
    return {"statusCode": 200, "body": "pong"}
"""

FOREIGN = ("evil.example", "evil.example:{port}", "localhost.evil.example:{port}")
MISDIRECTED = "https://plaza.dev/problems/misdirected-request"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, stores: EmbeddedStores
          ) -> Iterator[RunningCloud]:
    root = tmp_path_factory.mktemp("allowed-hosts")
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "functions").mkdir()
    (root / "functions" / "ping.py").write_text(HANDLER)
    with running_local_cloud(root / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[],
                             allowed_hosts=["plaza.proxy.test"]) as running:
        yield running


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _loopback_hosts(port: int) -> list[str]:
    return [f"localhost:{port}", f"127.0.0.1:{port}"]


def _assert_misdirected(response: httpx.Response) -> None:
    assert response.status_code == 421
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == MISDIRECTED


def _socket_as(cloud: RunningCloud, host: str) -> ClientConnection:
    """A WebSocket to the local cloud whose handshake says `Host: host` (the name a browser
    would send after DNS rebinding), over a TCP connection to the real address."""
    port = _port(cloud.websocket_url)
    return connect(f"ws://{host}/test", sock=socket.create_connection(("127.0.0.1", port), 10),
                   open_timeout=15)


def _connections(cloud: RunningCloud, count: int) -> list[dict[str, Any]]:
    """The open connections, once there are `count`: the gateway registers one right after
    answering its handshake, and forgets a closed one right after the close."""
    def listed() -> list[dict[str, Any]] | None:
        connections: list[dict[str, Any]] = cloud.cloud.status["connections"]()
        return connections if len(connections) == count else None

    return eventually(listed)


def _invocations(cloud: RunningCloud) -> int:
    return len(cloud.cloud.recorder.recent("invocation"))


def test_the_http_api_refuses_a_foreign_host_without_invoking(cloud: RunningCloud) -> None:
    port = _port(cloud.http_url)
    before = _invocations(cloud)
    with httpx.Client(base_url=cloud.http_url, timeout=10) as client:
        for host in FOREIGN:
            _assert_misdirected(client.get("/ping", headers={"Host": host.format(port=port)}))
        assert _invocations(cloud) == before
        for host in [*_loopback_hosts(port), "plaza.proxy.test"]:
            response = client.get("/ping", headers={"Host": host})
            assert (response.status_code, response.text) == (200, "pong")


def test_the_console_refuses_a_foreign_host(cloud: RunningCloud) -> None:
    port = _port(cloud.http_url)
    with httpx.Client(base_url=cloud.http_url, timeout=10) as client:
        for host in FOREIGN:
            foreign = {"Host": host.format(port=port)}
            _assert_misdirected(client.get("/_local", headers=foreign))
            _assert_misdirected(client.get("/_local/api/state", headers=foreign))
            _assert_misdirected(client.post(
                "/_local/api/queues/anything/send", content=b"{}",
                headers={**foreign, "X-Localcloud-Console": "1"}))
        for host in _loopback_hosts(port):
            response = client.get("/_local/api/state", headers={"Host": host})
            assert response.status_code == 200 and "functions" in response.json()


def test_the_websocket_api_refuses_a_handshake_with_a_foreign_host(cloud: RunningCloud) -> None:
    port = _port(cloud.websocket_url)
    for host in FOREIGN:
        with pytest.raises(InvalidStatus) as refused:
            _socket_as(cloud, host.format(port=port))
        assert refused.value.response.status_code == 421
        assert json.loads(refused.value.response.body or b"{}")["type"] == MISDIRECTED
    assert cloud.cloud.status["connections"]() == []
    for host in _loopback_hosts(port):
        with _socket_as(cloud, host):
            assert len(_connections(cloud, 1)) == 1


def test_connections_management_refuses_a_foreign_host(cloud: RunningCloud) -> None:
    port = _port(cloud.websocket_url)
    with _socket_as(cloud, f"localhost:{port}") as client, \
            httpx.Client(base_url=cloud.websocket_url, timeout=10) as management:
        [connection] = _connections(cloud, 1)
        path = f"/test/@connections/{connection['id']}"
        for host in FOREIGN:
            foreign = {"Host": host.format(port=port)}
            _assert_misdirected(management.post(path, content=b'{"n":0}', headers=foreign))
            _assert_misdirected(management.get(path, headers=foreign))
            _assert_misdirected(management.delete(path, headers=foreign))
        for n, host in enumerate(_loopback_hosts(port), start=1):
            assert management.post(path, content=f'{{"n":{n}}}'.encode(),
                                   headers={"Host": host}).status_code == 200
        # Only the loopback posts arrived, in order: the refused one was never delivered.
        assert [json.loads(client.recv(timeout=10)) for _ in range(2)] == [{"n": 1}, {"n": 2}]
        assert management.get(path, headers={"Host": f"127.0.0.1:{port}"}).status_code == 200
