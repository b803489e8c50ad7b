"""A stack without a WebSocket API: apigatewaymanagementapi on the local AWS endpoint fails
loudly (501) instead of moto's fake accepting the post and delivering nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localcloud.embedded import EmbeddedStores
from tests.support.local_cloud import RunningCloud, running_local_cloud

pytestmark = pytest.mark.e2e
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def cloud(stores: EmbeddedStores) -> Iterator[RunningCloud]:
    with running_local_cloud(HERE / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url, layer_paths=[]) as running:
        yield running


def test_a_post_without_a_local_gateway_fails_loudly(cloud: RunningCloud) -> None:
    client = cloud.aws_client("apigatewaymanagementapi")
    with pytest.raises(ClientError) as refused:
        client.post_to_connection(ConnectionId="someone0=", Data=b"hello")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "No local WebSocket API" in refused.value.response["Error"]["Message"]
