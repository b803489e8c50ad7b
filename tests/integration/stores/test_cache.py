"""The cache interface behaves the same on redis-py and on Upstash REST, over the real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from localcloud.embedded import free_port
from plaza import budget, config
from plaza.errors import Unavailable
from plaza.stores import cache
from tests.support.silent_server import SilentServer
from tests.support.upstash_endpoint import UpstashEndpoint


@pytest.fixture(scope="module")
def upstash_endpoint(redis_url: str) -> Iterator[UpstashEndpoint]:
    endpoint = UpstashEndpoint(redis_url).start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(params=["redis", "upstash"])
def store(request: pytest.FixtureRequest, clean_stores: object,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[cache.Cache]:
    if request.param == "upstash":
        endpoint: UpstashEndpoint = request.getfixturevalue("upstash_endpoint")
        monkeypatch.setenv("UPSTASH_REDIS_REST_URL", endpoint.url)
        monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", endpoint.token)
    config.reset_settings()
    cache.reset()
    yield cache.client()
    cache.reset()
    config.reset_settings()


def test_the_backend_follows_the_settings_and_ping_names_it(store: cache.Cache) -> None:
    assert cache.client() is store
    assert cache.ping() == store.backend
    assert store.backend in ("redis", "upstash")


def test_writes_land_in_the_real_redis(store: cache.Cache, redis_client: redis.Redis) -> None:
    store.set("greeting", "hello")
    assert redis_client.get("greeting") == "hello"


def test_set_with_ttl_expires_and_nx_keeps_the_first_value(store: cache.Cache) -> None:
    assert store.set("session", "a", ex=60) is True
    assert store.get("session") == "a"
    assert 0 < store.ttl("session") <= 60
    assert store.set("session", "b", nx=True) is False
    assert store.get("session") == "a"
    assert store.get("missing") is None
    assert store.ttl("missing") == -2


def test_values_round_trip_as_text_including_non_ascii(store: cache.Cache) -> None:
    text = "héllo ✓ 你好 OK"
    store.set("text", text)
    store.set("ok", "OK")
    store.set("number", 42)
    assert store.get("text") == text
    assert store.get("ok") == "OK"
    assert store.get("number") == "42"


def test_delete_counts_the_keys_it_removed(store: cache.Cache) -> None:
    store.set("a", "1")
    store.set("b", "2")
    assert store.delete("a", "b", "never") == 2
    assert store.exists("a") is False


def test_incr_with_expiry_starts_the_window_once(store: cache.Cache) -> None:
    assert store.incr("hits", ex=30) == 1
    assert store.incr("hits", 4, ex=30) == 5
    assert 0 < store.ttl("hits") <= 30
    store.expire("hits", 100)
    store.incr("hits", ex=30)
    assert store.ttl("hits") > 30  # a later increment does not shorten the window
    assert store.incr("plain") == 1
    assert store.ttl("plain") == -1


def test_hashes_store_fields_as_text(store: cache.Cache) -> None:
    assert store.hset("user:1", {"name": "ada", "posts": 3}) == 2
    assert store.hget("user:1", "name") == "ada"
    assert store.hget("user:1", "missing") is None
    assert store.hgetall("user:1") == {"name": "ada", "posts": "3"}
    assert store.hdel("user:1", "posts") == 1
    assert store.hgetall("user:1") == {"name": "ada"}
    assert store.hgetall("nobody") == {}


def test_sorted_sets_rank_by_score(store: cache.Cache) -> None:
    assert store.zadd("board", {"ann": 3, "bob": 1.5, "cy": 2}) == 3
    assert store.zincrby("board", 2, "bob") == 3.5
    assert store.zrevrange("board", 0, 1) == ["bob", "ann"]
    assert store.zrevrange_with_scores("board", 0, -1) == [
        ("bob", 3.5), ("ann", 3.0), ("cy", 2.0)]
    assert store.zscore("board", "cy") == 2.0
    assert store.zscore("board", "nobody") is None
    assert store.zrem("board", "cy", "nobody") == 1
    assert store.zremrangebyscore("board", "-inf", 3) == 1
    assert store.zcard("board") == 1
    assert store.zrevrange_with_scores("empty", 0, -1) == []


def test_sets_add_remove_and_list_members(store: cache.Cache) -> None:
    assert store.sadd("online", "a", "b", "c") == 3
    assert store.sadd("online", "a") == 0
    assert store.srem("online", "b") == 1
    assert store.smembers("online") == {"a", "c"}
    assert store.smembers("nobody") == set()


def test_an_atomic_batch_runs_a_sliding_window_in_one_round_trip(store: cache.Cache) -> None:
    now = time.time()
    store.zadd("window", {"old": now - 120, "recent": now - 10})
    replies = (
        store.batch()
        .zremrangebyscore("window", "-inf", now - 60)
        .zadd("window", {"this": now})
        .zcard("window")
        .expire("window", 60)
        .execute()
    )
    assert replies == [1, 1, 2, True]
    assert store.batch().execute() == []


def test_a_plain_batch_returns_each_reply_parsed(store: cache.Cache) -> None:
    replies = (
        store.batch(atomic=False)
        .set("k", "v", ex=10)
        .incr("n", 2)
        .hset("h", {"f": "x"})
        .zincrby("z", 1.5, "m")
        .zrevrange_with_scores("z", 0, -1)
        .sadd("s", "x")
        .srem("s", "x")
        .zrem("z", "m")
        .delete("k")
        .execute()
    )
    assert replies == [True, 2, 1, 1.5, [("m", 1.5)], 1, 1, 1, 1]


def test_lua_scripts_run_with_keys_and_arguments(store: cache.Cache) -> None:
    script = "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), 7}"
    assert store.eval(script, ["lua"], ["done"]) == ["done", 7]


def test_a_refused_command_is_a_command_error_not_an_outage(store: cache.Cache) -> None:
    store.hset("h", {"f": "1"})
    with pytest.raises(cache.CommandError):
        store.incr("h")


@pytest.mark.parametrize("backend", ["redis", "upstash"])
def test_an_unreachable_redis_fails_fast_as_unavailable(
    backend: str, monkeypatch: pytest.MonkeyPatch, clean_stores: object,
) -> None:
    dead = f"127.0.0.1:{free_port()}"
    if backend == "redis":
        monkeypatch.setenv("REDIS_URL", f"redis://{dead}/0")
    else:
        monkeypatch.setenv("UPSTASH_REDIS_REST_URL", f"http://{dead}")
        monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", "t")
    config.reset_settings()
    cache.reset()
    try:
        with pytest.raises(Unavailable) as raised:
            cache.ping()
        with pytest.raises(Unavailable):
            cache.client().get("k")
    finally:
        cache.reset()
        config.reset_settings()
    assert raised.value.extra["dependency"] == "redis"


def test_a_wrong_upstash_token_is_unavailable(
    upstash_endpoint: UpstashEndpoint, monkeypatch: pytest.MonkeyPatch, clean_stores: object,
) -> None:
    monkeypatch.setenv("UPSTASH_REDIS_REST_URL", upstash_endpoint.url)
    monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", "wrong")
    config.reset_settings()
    cache.reset()
    try:
        with pytest.raises(Unavailable) as raised:
            cache.ping()
    finally:
        cache.reset()
        config.reset_settings()
    assert raised.value.extra["dependency"] == "redis"


def test_no_redis_configured_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("UPSTASH_REDIS_REST_URL", "")
    config.reset_settings()
    cache.reset()
    try:
        with pytest.raises(Unavailable):
            cache.client()
    finally:
        config.reset_settings()


def test_the_upstash_client_asks_for_base64_and_the_endpoint_encodes_strings(
    upstash_endpoint: UpstashEndpoint, redis_client: redis.Redis,
) -> None:
    import httpx

    redis_client.set("word", "bar")
    auth = {"Authorization": f"Bearer {upstash_endpoint.token}"}
    plain = httpx.post(upstash_endpoint.url, json=["GET", "word"], headers=auth)
    encoded = httpx.post(upstash_endpoint.url, json=["GET", "word"],
                         headers={**auth, "Upstash-Encoding": "base64"})
    assert plain.json() == {"result": "bar"}
    assert encoded.json() == {"result": "YmFy"}
    assert httpx.post(upstash_endpoint.url, json=["GET", "word"]).status_code == 401
    failed = httpx.post(upstash_endpoint.url + "/pipeline", headers=auth,
                        json=[["SET", "n", "x"], ["INCR", "n"], ["GET", "n"]])
    assert failed.json()[0] == {"result": "OK"}
    assert failed.json()[1]["error"].startswith("ERR")
    assert failed.json()[2] == {"result": "x"}


@pytest.fixture
def stalled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
            clean_stores: object) -> Iterator[SilentServer]:
    """The cache client of the parametrised backend, pointed at a server that never answers."""
    server = SilentServer()
    if request.param == "redis":
        monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{server.port}/0")
    else:
        monkeypatch.setenv("UPSTASH_REDIS_REST_URL", f"http://127.0.0.1:{server.port}")
        monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", "t")
    monkeypatch.setenv("REDIS_READ_TIMEOUT_S", "0.05")
    config.reset_settings()
    cache.reset()
    yield server
    cache.reset()
    config.reset_settings()
    server.close()


@pytest.mark.parametrize("stalled", ["redis", "upstash"], indirect=True)
def test_a_call_to_a_stalled_redis_times_out_once_and_is_not_retried(
    stalled: SilentServer,
) -> None:
    for _ in range(3):
        with pytest.raises(Unavailable) as raised:
            cache.client().get("k")
        assert raised.value.extra["dependency"] == "redis"
    # One connection per call: a retry after the timeout would have opened a second each time.
    assert stalled.connections == 3


@pytest.mark.parametrize("stalled", ["redis", "upstash"], indirect=True)
def test_once_a_request_spent_its_redis_budget_further_calls_fail_at_once(
    stalled: SilentServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_REQUEST_BUDGET_S", "0.01")  # less than one read timeout
    config.reset_settings()
    with budget.Invocation():
        for _ in range(5):
            with pytest.raises(Unavailable):
                cache.client().get("k")
        with pytest.raises(Unavailable):
            cache.client().batch().get("k").get("j").execute()
        assert stalled.connections == 1  # only the first call reached the server
    with pytest.raises(Unavailable):
        cache.client().get("k")  # the next request has a fresh budget
    assert stalled.connections == 2


def test_a_healthy_redis_spends_the_budget_of_the_request_it_serves(
    store: cache.Cache,
) -> None:
    with budget.Invocation():
        store.set("k", "v")
        assert store.get("k") == "v"
        assert budget.spent(cache.STORE) > 0
    assert budget.spent(cache.STORE) == 0
