"""The delivery API other domains call: send_to_user / publish, through the real gateway."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from plaza.realtime import delivery, registry
from tests.support.sockets import Member, frames_before_pong

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("connections_api")]


def test_send_to_user_reaches_every_device_of_the_user(member: Callable[[str], Member]) -> None:
    alice, bob = member("alice"), member("bob")
    phone, laptop = alice.socket(), alice.socket("laptop-" + alice.id[:8])
    bobs = bob.socket()

    assert len(registry.connections_of(alice.id)) == 2
    assert delivery.send_to_user(alice.id, {"type": "hello", "n": 1}) == 2
    assert json.loads(phone.recv(timeout=10)) == {"type": "hello", "n": 1}
    assert json.loads(laptop.recv(timeout=10)) == {"type": "hello", "n": 1}
    assert frames_before_pong(bobs) == []


def test_a_gone_connection_is_cleaned_up_and_the_live_one_still_served(
        member: Callable[[str], Member]) -> None:
    alice = member("alice")
    live = alice.socket()
    # A connection the registry still lists but the gateway no longer has: @connections says 410.
    registry.register("GoneConnId0=", alice.id, "stale-device")
    assert len(registry.connections_of(alice.id)) == 2

    assert delivery.send_to_user(alice.id, {"type": "hello"}) == 1

    assert json.loads(live.recv(timeout=10)) == {"type": "hello"}
    assert registry.connection("GoneConnId0=") is None
    assert len(registry.connections_of(alice.id)) == 1


def test_publish_reaches_the_topic_subscribers_only(member: Callable[[str], Member]) -> None:
    alice, bob = member("alice"), member("bob")
    alices, bobs = alice.socket(), bob.socket()
    (alice_conn,) = registry.connections_of(alice.id)
    topic = f"post:{alice.id}"
    assert registry.subscribe(alice_conn, topic)

    assert delivery.publish(topic, {"type": "post.counts", "likes": 3}) == 1
    assert json.loads(alices.recv(timeout=10)) == {"type": "post.counts", "likes": 3}
    assert frames_before_pong(bobs) == []
