"""The connection registry on the real Redis: devices, topics, TTLs and cleanup."""

from __future__ import annotations

import pytest
import redis

from plaza.realtime import registry

pytestmark = pytest.mark.usefixtures("clean_stores")


def test_a_user_with_two_devices_stays_online_until_the_last_disconnects() -> None:
    registry.register("conn-phone", "user-1", "phone")
    registry.register("conn-laptop", "user-1", "laptop")

    assert sorted(registry.connections_of("user-1")) == ["conn-laptop", "conn-phone"]
    first = registry.unregister("conn-phone")
    assert first == registry.Departure("user-1", still_online=True)
    assert registry.is_online("user-1")

    last = registry.unregister("conn-laptop")
    assert last == registry.Departure("user-1", still_online=False)
    assert not registry.is_online("user-1")


def test_every_key_expires(redis_client: redis.Redis) -> None:
    registry.register("conn-1", "user-1", "phone")
    assert registry.subscribe("conn-1", "announcements")

    for key in ("rt:conn:conn-1", "rt:conn:conn-1:topics", "rt:user:user-1",
                "rt:topic:announcements"):
        assert 0 < redis_client.ttl(key) <= registry.TTL_S, key


def test_unregister_removes_the_connection_from_its_topics_only() -> None:
    registry.register("conn-a", "user-a", "phone")
    registry.register("conn-b", "user-b", "phone")
    for conn in ("conn-a", "conn-b"):
        assert registry.subscribe(conn, "announcements")
    assert registry.subscribe("conn-a", "user:user-a")

    registry.unregister("conn-a")

    assert registry.subscribers("announcements") == ["conn-b"]
    assert registry.subscribers("user:user-a") == []
    assert registry.connection("conn-a") is None
    assert registry.connection("conn-b") == registry.Connection("conn-b", "user-b", "phone")


def test_an_expired_connection_is_neither_online_nor_a_subscriber(
        redis_client: redis.Redis) -> None:
    registry.register("conn-1", "user-1", "phone")
    assert registry.subscribe("conn-1", "announcements")
    # What the TTL does to a connection whose $disconnect never ran.
    redis_client.delete("rt:conn:conn-1")

    assert not registry.is_online("user-1")
    assert registry.subscribers("announcements") == []
    assert redis_client.smembers("rt:user:user-1") == set()


def test_unknown_connections_cannot_subscribe_and_unregister_to_nothing() -> None:
    assert not registry.subscribe("nobody", "announcements")
    assert registry.unregister("nobody") is None


def test_unsubscribe_stops_delivery_to_that_topic() -> None:
    registry.register("conn-1", "user-1", "phone")
    registry.subscribe("conn-1", "announcements")
    registry.unsubscribe("conn-1", "announcements")
    assert registry.subscribers("announcements") == []
    assert registry.topics_of("conn-1") == set()


def test_online_users_answers_for_many_users_at_once() -> None:
    registry.register("conn-1", "user-1", "phone")
    registry.register("conn-3", "user-3", "phone")
    assert registry.online_users(["user-1", "user-2", "user-3"]) == {"user-1", "user-3"}
    assert registry.online_users([]) == set()
