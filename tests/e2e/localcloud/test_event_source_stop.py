"""A stopped cloud's SQS long poll gives back what it receives.

The poll runs on in a thread for up to 20 s after its cloud stops, on moto's backends that every
cloud in the process shares; a message it took then was invisible for the queue's visibility
timeout and reached nobody.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.embedded import EmbeddedStores
from localcloud.template.account import ACCOUNT_ID, REGION
from tests.support.local_cloud import running_local_cloud
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e
TEMPLATE = Path(__file__).resolve().parent / "console" / "template.yaml"


def test_a_message_a_stopped_clouds_poll_receives_is_visible_again(stores: EmbeddedStores) -> None:
    from moto.sqs.models import sqs_backends

    with running_local_cloud(TEMPLATE, database_url=stores.database_url, redis_url=stores.redis_url,
                             layer_paths=[]) as running:
        queue_name = running.cloud.stack.queues["JobsQueue"].name
        sources = next(c for c in running.cloud.components if c.name == "event-sources")
    assert sources.stopping.is_set()
    backend = sqs_backends[ACCOUNT_ID][REGION]
    queue = backend.get_queue(queue_name)
    # The stopped cloud's consumer is still inside its 20 s long poll on this queue.
    backend.send_message(queue_name, '{"after": "stop"}')

    def received_and_visible() -> object:
        message = next(iter(queue._messages), None)
        return message if message is not None and message.approximate_receive_count >= 1 \
            and message.visible else None

    message = eventually(received_and_visible, timeout=30)
    # Given back at once, not left to come back when its visibility timeout ran out.
    timeout_ms = int(queue.visibility_timeout) * 1000
    assert message.visible_at < message.approximate_first_receive_timestamp + timeout_ms
    assert queue.approximate_number_of_messages == 1
