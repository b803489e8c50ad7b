"""apigatewaymanagementapi through the local AWS endpoint (AWS_ENDPOINT_URL, what boto3 and the
CLI use under `make dev`) reaches the local WebSocket gateway: a post is delivered, an unknown
connection is 410 GoneException, as on the gateway's own @connections endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from websockets.sync.client import connect

from localcloud.embedded import EmbeddedStores
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


def _client(cloud: RunningCloud) -> Any:
    return cloud.aws_client("apigatewaymanagementapi")


def test_post_to_connection_on_the_aws_endpoint_is_delivered(cloud: RunningCloud) -> None:
    with connect(f"{cloud.websocket_url}/test?token=good", open_timeout=15) as socket:
        [connection] = eventually(lambda: cloud.cloud.status["connections"]() or None)
        client = _client(cloud)
        client.post_to_connection(ConnectionId=connection["id"], Data=b'{"hello":"sdk"}')
        assert socket.recv(timeout=10) == '{"hello":"sdk"}'
        found = client.get_connection(ConnectionId=connection["id"])
        assert found["Identity"]["SourceIp"] == connection["source_ip"]
        client.delete_connection(ConnectionId=connection["id"])
        eventually(lambda: not cloud.cloud.status["connections"]())


def test_an_unknown_connection_is_gone(cloud: RunningCloud) -> None:
    with pytest.raises(ClientError) as gone:
        _client(cloud).post_to_connection(ConnectionId="nobodyHere0=", Data=b"x")
    assert gone.value.response["Error"]["Code"] == "GoneException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_the_banner_gives_the_connections_endpoint(cloud: RunningCloud) -> None:
    from localcloud.__main__ import banner

    text = banner(cloud.cloud, [], [], 1.0)
    endpoint = cloud.websocket_url.replace("ws://", "http://") + "/test"
    assert any(line.split()[:2] == ["@connections", endpoint] for line in text.splitlines())
