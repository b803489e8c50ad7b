"""The local cloud's WebSocket API against a fixture template, through real WebSocket clients.

Covers the $connect authorizer and handler, routing by `action`, @connections from handlers and
from boto3 (410 once a connection is gone), two-way routes, $disconnect and AWS's limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from localcloud.embedded import EmbeddedStores
from localcloud.websocket_api import WebSocketApi
from plaza.stores.realtime import ConnectionGone, ManagementApi
from tests.support.local_cloud import RunningCloud, running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(HERE / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url,
                             layer_paths=[ROOT / "shared"]) as running:
        yield running


@pytest.fixture
def gateway(cloud: RunningCloud) -> Iterator[WebSocketApi]:
    component = next(c for c in cloud.cloud.components if isinstance(c, WebSocketApi))
    limits = (component.idle_timeout, component.max_lifetime)
    yield component
    component.idle_timeout, component.max_lifetime = limits


@pytest.fixture
def management(cloud: RunningCloud) -> Any:
    endpoint = cloud.websocket_url.replace("ws://", "http://", 1) + "/test"
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": 1}))


def open_socket(cloud: RunningCloud, query: str = "token=good", path: str = "/test") -> ClientConnection:
    return connect(f"{cloud.websocket_url}{path}?{query}", open_timeout=15)


def receive_json(socket: ClientConnection, timeout: float = 10) -> Any:
    return json.loads(socket.recv(timeout=timeout))


def disconnect_event_of(redis_client: redis.Redis, connection_id: str) -> Any:
    # Search the list: the $disconnect of an earlier test's socket may land after this one's.
    return wait_for(lambda: next(
        (seen for seen in map(json.loads, redis_client.lrange("ws:disconnect", 0, -1))
         if seen["requestContext"]["connectionId"] == connection_id), None))


def connection_id_of(socket: ClientConnection) -> str:
    socket.send(json.dumps({"action": "whoami"}))
    return str(receive_json(socket)["connectionId"])


wait_for = partial(eventually, timeout=10, every=0.02)


def test_connect_without_token_is_refused_with_401(cloud: RunningCloud) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(cloud, query="")
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body) == {"message": "Unauthorized"}


def test_connect_with_a_bad_token_is_refused_by_the_authorizer(cloud: RunningCloud) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(cloud, query="token=forged")
    assert refused.value.response.status_code == 401


def test_connect_denied_by_the_policy_is_refused_with_403(cloud: RunningCloud) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(cloud, query="token=deny")
    assert refused.value.response.status_code == 403


def test_connect_handler_answering_non_2xx_rejects_the_handshake(cloud: RunningCloud) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(cloud, query="token=good&refuse=1")
    assert refused.value.response.status_code == 403


def test_connect_event_is_shaped_like_api_gateways(cloud: RunningCloud,
                                                   redis_client: redis.Redis) -> None:
    with open_socket(cloud, query="token=good&device=d1") as socket:
        connection_id = connection_id_of(socket)
    event = json.loads(wait_for(lambda: redis_client.lindex("ws:connect", 0)))
    context = event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["connectionId"] == connection_id
    assert len(connection_id) == 16 and connection_id.endswith("=")
    assert context["stage"] == "test"
    assert context["apiId"] == "chatapi"
    assert context["messageDirection"] == "IN"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert isinstance(context["connectedAt"], int) and isinstance(context["requestTimeEpoch"], int)
    assert context["authorizer"]["principalId"] == "user-1"
    assert context["authorizer"]["userId"] == "user-1"
    assert event["queryStringParameters"] == {"token": "good", "device": "d1"}
    assert event["multiValueQueryStringParameters"] == {"token": ["good"], "device": ["d1"]}
    assert "Sec-Websocket-Key" in event["headers"]
    assert event["isBase64Encoded"] is False


def test_echo_round_trip_through_an_at_connections_post(cloud: RunningCloud) -> None:
    with open_socket(cloud) as socket:
        socket.send(json.dumps({"action": "echo", "text": "hello"}))
        assert receive_json(socket) == {"echo": "hello", "route": "echo",
                                        "eventType": "MESSAGE", "principalId": "user-1"}


def test_connecting_at_the_root_path_reaches_the_same_api(cloud: RunningCloud) -> None:
    with open_socket(cloud, path="") as socket:
        socket.send(json.dumps({"action": "echo", "text": "root"}))
        assert receive_json(socket)["echo"] == "root"


def test_unknown_actions_and_non_json_messages_go_to_default(cloud: RunningCloud) -> None:
    with open_socket(cloud) as socket:
        socket.send(json.dumps({"action": "nope"}))
        assert receive_json(socket)["route"] == "$default"
        socket.send("plain text")
        assert receive_json(socket) == {"route": "$default", "bytes": 10, "head": "plain text"}
        socket.send(json.dumps({"action": "$connect"}))
        assert receive_json(socket)["route"] == "$default"


def test_two_way_route_sends_the_integration_body_back(cloud: RunningCloud) -> None:
    with open_socket(cloud) as socket:
        socket.send(json.dumps({"action": "whoami"}))
        reply = receive_json(socket)
    assert reply["userId"] == "user-1"
    assert len(reply["connectionId"]) == 16


def test_failing_integration_tells_the_client_internal_server_error(cloud: RunningCloud) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        socket.send(json.dumps({"action": "echo", "text": "x", "fail": True}))
        assert receive_json(socket)["echo"] == "x"
        error = receive_json(socket)
    assert error["message"] == "Internal server error"
    assert error["connectionId"] == connection_id
    assert error["requestId"]


def test_boto3_management_client_gets_posts_and_deletes(cloud: RunningCloud,
                                                        management: Any) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        info = management.get_connection(ConnectionId=connection_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"] <= info["LastActiveAt"]
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"from":"boto3"}')
        assert receive_json(socket) == {"from": "boto3"}
        response = management.delete_connection(ConnectionId=connection_id)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=5)
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId=connection_id)
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"late")
    with pytest.raises(management.exceptions.GoneException):
        management.delete_connection(ConnectionId=connection_id)


def test_post_after_the_client_disconnects_is_gone(cloud: RunningCloud, management: Any) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"anyone?")


def test_handler_posting_to_a_closed_connection_gets_gone(cloud: RunningCloud) -> None:
    with open_socket(cloud) as other:
        other_id = connection_id_of(other)
    with open_socket(cloud) as socket:
        socket.send(json.dumps({"action": "echo", "text": "hi", "to": other_id}))
        assert receive_json(socket) == {"gone": other_id}


def test_post_over_128_kb_is_payload_too_large(cloud: RunningCloud, management: Any) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        with pytest.raises(management.exceptions.PayloadTooLargeException):
            management.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
        management.post_to_connection(ConnectionId=connection_id, Data=b"still open")
        assert socket.recv(timeout=5) == "still open"


@pytest.fixture
def lean_management(cloud: RunningCloud) -> Iterator[ManagementApi]:
    endpoint = cloud.websocket_url.replace("ws://", "http://", 1) + "/test"
    api = ManagementApi(endpoint, region="us-east-1",
                        credentials=Credentials("testing", "testing"))
    yield api
    api.close()


def test_plaza_management_api_posts_over_one_kept_alive_connection(
        cloud: RunningCloud, lean_management: ManagementApi) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        for n in (1, 2, 3):
            lean_management.post_to_connection(connection_id, f'{{"n":{n}}}'.encode())
        assert [receive_json(socket) for _ in range(3)] == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert lean_management.connections_opened == 1
    with pytest.raises(ConnectionGone):
        lean_management.post_to_connection(connection_id, b"late")


def test_plaza_management_api_posts_to_many_connections_in_flight_at_once(
        cloud: RunningCloud, lean_management: ManagementApi) -> None:
    with open_socket(cloud) as first, open_socket(cloud) as second:
        ids = [connection_id_of(first), connection_id_of(second)]
        gone = "bmV2ZXItY29ubmVjdGVk"  # never connected
        failures = lean_management.post_to_connections(
            [(ids[n % 2], f'{{"n":{n}}}'.encode()) for n in range(8)] + [(gone, b"{}")],
            parallel=4)
        assert [(connection_id, type(error)) for connection_id, error in failures] == [
            (gone, ConnectionGone)]
        assert sorted(receive_json(first)["n"] for _ in range(4)) == [0, 2, 4, 6]
        assert sorted(receive_json(second)["n"] for _ in range(4)) == [1, 3, 5, 7]


def test_posts_sent_without_waiting_are_answered_in_order_on_one_connection(
        cloud: RunningCloud) -> None:
    import socket as sockets
    from urllib.parse import quote, urlsplit

    target = urlsplit(cloud.websocket_url)
    with open_socket(cloud) as socket:
        connection_id = quote(connection_id_of(socket), safe="")
        requests = b"".join(
            f"POST {path} HTTP/1.1\r\nHost: {target.netloc}\r\nContent-Length: {len(body)}\r\n"
            f"\r\n{body}"
            .encode() for path, body in [
                (f"/test/@connections/{connection_id}", '{"n":1}'),
                ("/test/@connections/gone-id", '{"n":2}'),
                ("/test/@connections/", '{"n":3}'),
                (f"/test/@connections/{connection_id}", '{"n":4}')])
        with sockets.create_connection((target.hostname, target.port), timeout=10) as raw:
            raw.sendall(requests)  # four requests in one write: pipelined
            answers = b""
            while answers.count(b"HTTP/1.1 ") < 4 or not answers.endswith((b"\r\n\r\n", b"}")):
                answers += raw.recv(65536)
        assert [receive_json(socket), receive_json(socket)] == [{"n": 1}, {"n": 4}]
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", answers)
    assert statuses == [b"200", b"410", b"404", b"200"]
    assert b"x-amzn-errortype: GoneException" in answers


def test_plaza_management_api_raises_boto3s_client_error_for_other_failures(
        cloud: RunningCloud, lean_management: ManagementApi) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        with pytest.raises(ClientError) as refused:
            lean_management.post_to_connection(connection_id, b"x" * (128 * 1024 + 1))
        assert refused.value.response["Error"]["Code"] == "PayloadTooLargeException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        lean_management.delete_connection(connection_id)
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=5)
    with pytest.raises(ConnectionGone):
        lean_management.delete_connection(connection_id)


def test_message_of_128_kb_passes_and_a_bigger_one_closes_with_1009(cloud: RunningCloud) -> None:
    with open_socket(cloud) as socket:
        socket.send("y" * (128 * 1024))
        assert receive_json(socket)["bytes"] == 128 * 1024
        socket.send("y" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_disconnect_handler_gets_the_close_code(cloud: RunningCloud,
                                                redis_client: redis.Redis) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        socket.close(code=4000, reason="bye")
    context = disconnect_event_of(redis_client, connection_id)["requestContext"]
    assert context["eventType"] == "DISCONNECT"
    assert context["routeKey"] == "$disconnect"
    assert context["disconnectStatusCode"] == 4000
    assert context["disconnectReason"] == "bye"
    assert context["authorizer"]["principalId"] == "user-1"


def test_idle_connection_is_closed_with_1001_and_disconnect_runs(
        cloud: RunningCloud, gateway: WebSocketApi, management: Any,
        redis_client: redis.Redis) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        gateway.idle_timeout = 0.3
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    event = disconnect_event_of(redis_client, connection_id)
    assert event["requestContext"]["disconnectStatusCode"] == 1001
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId=connection_id)


def test_connection_past_its_lifetime_is_closed(cloud: RunningCloud,
                                                gateway: WebSocketApi) -> None:
    with open_socket(cloud) as socket:
        connection_id_of(socket)
        gateway.max_lifetime = 0.3

        def echo_until_closed() -> ConnectionClosed | None:
            try:
                socket.send(json.dumps({"action": "echo", "text": "busy"}))
                receive_json(socket, timeout=5)
            except ConnectionClosed as closed:
                return closed
            return None

        # Busy all along, so not idle: activity does not extend a connection's lifetime.
        closed = wait_for(echo_until_closed)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (1001, "Connection lifetime exceeded")


def test_live_connections_and_their_events_are_listed(cloud: RunningCloud) -> None:
    with open_socket(cloud) as socket:
        connection_id = connection_id_of(socket)
        listing = cloud.cloud.status["connections"]()
        mine = next(row for row in listing if row["id"] == connection_id)
        assert mine["principal_id"] == "user-1"
        assert mine["source_ip"] == "127.0.0.1"
    wait_for(lambda: all(row["id"] != connection_id
                         for row in cloud.cloud.status["connections"]()))
    events = [record for record in cloud.cloud.recorder.recent("connection", limit=500)
              if record["connection_id"] == connection_id]
    assert [e["event"] for e in events][:2] == ["connect", "message"]
    assert events[1]["route"] == "whoami" and events[1]["bytes"] == len('{"action": "whoami"}')
    assert events[-1]["event"] == "disconnect"
