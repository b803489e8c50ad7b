"""After Redis loses its data under connected clients, a client's next frame registers its
connection again (from the `$connect` authorizer's context API Gateway passes with every
message), so deliveries and presence resume without reconnecting."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import redis

from plaza.realtime import delivery, registry
from tests.support.sockets import Member, frames_before_pong

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("connections_api")]


def _flush(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def test_a_ping_after_redis_lost_its_data_registers_the_connection_again(
        member: Callable[[str], Member], redis_url: str) -> None:
    alice = member("alice")
    socket = alice.socket()
    assert registry.is_online(alice.id)

    _flush(redis_url)
    assert not registry.is_online(alice.id)
    assert delivery.send_to_user(alice.id, {"type": "lost"}) == 0

    assert frames_before_pong(socket) == []
    assert registry.is_online(alice.id)
    assert delivery.send_to_user(alice.id, {"type": "found", "n": 1}) == 1
    assert json.loads(socket.recv(timeout=10)) == {"type": "found", "n": 1}


def test_a_subscribe_after_redis_lost_its_data_takes_the_topic(
        member: Callable[[str], Member], redis_url: str) -> None:
    bob = member("bob")
    socket = bob.socket()
    _flush(redis_url)

    socket.send(json.dumps({"action": "subscribe", "topic": f"user:{bob.id}"}))
    assert json.loads(socket.recv(timeout=10)) == {"type": "subscribed", "topic": f"user:{bob.id}"}
    assert delivery.publish(f"user:{bob.id}", {"type": "topic", "n": 2}) == 1
    assert json.loads(socket.recv(timeout=10)) == {"type": "topic", "n": 2}
