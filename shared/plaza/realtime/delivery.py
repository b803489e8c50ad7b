"""Delivering server -> client frames: to every connection of a user, or to a topic's subscribers.

Posting goes through @connections (plaza.stores.realtime). A 410 means that connection is gone:
it is unregistered on the spot, and only it (never the connection that caused the send).
A topic with more than BROADCAST_DIRECT_MAX subscribers is not posted inside the request: its
connection ids go to the broadcast queue in batches, and the broadcast consumer posts them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from plaza import observability
from plaza.realtime import registry
from plaza.stores import aws, realtime

BROADCAST_DIRECT_MAX = 100
BATCH_SIZE = 100  # connection ids per broadcast queue message (well under SQS's 256 KB)
PARALLEL_POSTS = 16  # requests in flight at once, each on its own kept-alive connection



def send_to_user(user_id: str, payload: dict[str, Any], *, skip: str | None = None) -> int:
    """Send `payload` to every live connection of the user but `skip`; how many it reached."""
    connections = registry.connections_of(user_id)
    if skip is not None:
        connections = [connection for connection in connections if connection != skip]
    return post_many(connections, encode(payload))


def publish(topic: str, payload: dict[str, Any]) -> int:
    """Send `payload` to the topic's subscribers; returns how many it reached (or queued for)."""
    return publish_to(registry.subscribers(topic), topic, payload)


def publish_to(connection_ids: list[str], topic: str, payload: dict[str, Any]) -> int:
    """`publish` to subscribers the caller has already read."""
    queue_url = os.environ.get("BROADCAST_QUEUE_URL", "")
    if len(connection_ids) > BROADCAST_DIRECT_MAX and queue_url:
        try:
            enqueue_broadcast(queue_url, connection_ids, payload)
            return len(connection_ids)
        except Exception as error:  # noqa: BLE001 - a slow delivery beats none
            observability.log_warning("broadcast not queued; posting inline", topic=topic,
                                      error=str(error))
    return post_many(connection_ids, encode(payload))


@dataclass(frozen=True)
class BroadcastBatch:
    """One broadcast queue message: a payload and up to BATCH_SIZE connections to post it to."""

    connection_ids: list[str]
    data: bytes

    @classmethod
    def read(cls, message: dict[str, Any]) -> BroadcastBatch:
        connection_ids, payload = message["connection_ids"], message["payload"]
        if not isinstance(connection_ids, list) or not isinstance(payload, dict):
            raise ValueError("a broadcast message holds connection_ids (list) and payload (object)")
        return cls([str(connection_id) for connection_id in connection_ids], encode(payload))


def deliver_batches(batches: list[BroadcastBatch]) -> int:
    """Post every batch's frame to its connections in one parallel pass; the number reached."""
    return _post_in_parallel([(connection_id, batch.data) for batch in batches
                              for connection_id in batch.connection_ids])


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), default=str).encode()


def post_many(connection_ids: list[str], data: bytes) -> int:
    """Post `data` to each connection, in parallel when there are several; the number reached."""
    return _post_in_parallel([(connection_id, data) for connection_id in connection_ids])


def _post_in_parallel(posts: list[tuple[str, bytes]]) -> int:
    """Post each (connection, frame), up to PARALLEL_POSTS at a time; the number reached."""
    if len(posts) <= 1:
        return sum(post_one(connection_id, data) for connection_id, data in posts)
    failures = realtime.management_api().post_to_connections(posts, PARALLEL_POSTS)
    for connection_id, error in failures:
        if isinstance(error, realtime.ConnectionGone):
            registry.unregister(connection_id)
        else:
            observability.log_warning("post to connection failed", connection_id=connection_id,
                                      error=str(error))
    return len(posts) - len(failures)


def post_one(connection_id: str, data: bytes) -> bool:
    try:
        realtime.management_api().post_to_connection(connection_id, data)
        return True
    except realtime.ConnectionGone:
        registry.unregister(connection_id)
        return False
    except Exception as error:  # noqa: BLE001 - one failed post must not stop the others
        observability.log_warning("post to connection failed", connection_id=connection_id,
                                  error=str(error))
        return False


def enqueue_broadcast(queue_url: str, connection_ids: list[str], payload: dict[str, Any]) -> None:
    """One SQS message per BATCH_SIZE connections, sent ten to a SendMessageBatch call."""
    bodies = [json.dumps({"connection_ids": connection_ids[start:start + BATCH_SIZE],
                          "payload": payload}, separators=(",", ":"), default=str)
              for start in range(0, len(connection_ids), BATCH_SIZE)]
    client = aws.client("sqs")
    for start in range(0, len(bodies), 10):
        chunk = bodies[start:start + 10]
        client.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(index), "MessageBody": body} for index, body in enumerate(chunk)])

