"""Realtime rows: a broadcast to 1,000 WebSocket connections of the local cloud, p50/p99 delivery,
and the @connections client against the hand-written one it replaced.

One topic with 1,000 subscribed connections (real sockets through the local gateway, each
registered by `$connect`). `plaza.realtime.delivery.publish` runs as a publishing Lambda would:
the topic is over the direct limit, so its connection ids go to the BroadcastQueue in batches of
100 and the queue consumer posts them through @connections in parallel. Each sample is the time
from the publish call to one socket having the frame.

Then, over the same sockets, plaza.stores.realtime (botocore's signer, libcurl) and the old
hand-written client (bench/baseline_connections_client.py) take turns from this process: one
post at a time (the client's own CPU per post, and the round trip), and all 1,000 posted as the
broadcast consumer posts them (`post_to_connections` with delivery's parallelism).

The client sockets live in a process of their own, as clients do: sharing the local cloud's
process (and its GIL) would time the clients' frame parsing against the gateway's. Both
processes read CLOCK_MONOTONIC (time.monotonic), which is one clock machine-wide.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench import report
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 1000
ROUNDS = 5
SINGLE_POSTS = 300  # per client and round
PER_POST_GOAL = 1.5  # the new client's CPU per post, at most this times the old one's


def rows() -> list[dict[str, Any]]:
    with private_stores() as stores:
        return _measure(stores)


def _measure(stores: Any) -> list[dict[str, Any]]:

    from localcloud.template import ACCOUNT_ID
    from plaza.realtime import delivery, registry
    from plaza.stores import aws, realtime
    from tests.support.identity import sign_up_and_in
    from tests.support.local_cloud import running_local_cloud

    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as cloud:
        stage = cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
        os.environ.update(cloud.cloud.aws_env)
        os.environ["WEBSOCKET_MANAGEMENT_ENDPOINT"] = (
            cloud.websocket_url.replace("ws://", "http://", 1) + f"/{stage}")
        queue = cloud.cloud.stack.queues["BroadcastQueue"].name
        os.environ["BROADCAST_QUEUE_URL"] = f"{cloud.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}/{queue}"
        realtime.reset()
        aws.reset()

        name = f"listener_{uuid.uuid4().hex[:8]}"
        device = "bench-realtime-device"
        login = sign_up_and_in(cloud.http_url, name, device)
        url = f"{cloud.websocket_url}/{stage}?token={login['access_token']}&device_id={device}"
        listeners = _ListenerProcess(url)
        try:
            listeners.open(CONNECTIONS)
            topic = f"user:{login['user']['id']}"
            for connection_id in registry.connections_of(login["user"]["id"]):
                registry.subscribe(connection_id, topic)
            assert len(registry.subscribers(topic)) == CONNECTIONS
            samples: list[float] = []
            firsts: list[float] = []
            for number in range(ROUNDS + 1):
                listeners.expect(number)
                started = time.monotonic()
                reached = delivery.publish(topic, {"type": "bench", "n": number})
                assert reached == CONNECTIONS, reached
                arrivals = listeners.wait(number, timeout=60)
                if number:  # the first round warms the consumer's container
                    samples += [(arrived - started) * 1000 for arrived in arrivals]
                    firsts.append((min(arrivals) - started) * 1000)
            clients = _compare_clients(os.environ["WEBSOCKET_MANAGEMENT_ENDPOINT"], listeners,
                                       registry.subscribers(topic), first_number=ROUNDS + 1)
        finally:
            listeners.close()
    samples.sort()
    firsts.sort()
    note = (f"{CONNECTIONS} connections on one topic, {ROUNDS} broadcasts after a warm-up,"
            " through BroadcastQueue and its consumer, local cloud; clients in their own process")
    return [
        report.row("realtime broadcast delivery p50", round(samples[len(samples) // 2], 2), "ms",
                   note=note),
        report.row("realtime broadcast delivery p99",
                   round(samples[int(len(samples) * 0.99)], 2), "ms",
                   note=f"goal <= 100 ms; {note}"),
        report.row("realtime broadcast first frame p50", round(firsts[len(firsts) // 2], 2), "ms",
                   note="publish to the first socket having the frame: queue and consumer start"),
        *clients,
    ]


def _compare_clients(endpoint: str, listeners: _ListenerProcess, connection_ids: list[str],
                     first_number: int) -> list[dict[str, Any]]:
    """Rows for plaza's @connections client, each with the old hand-written one as baseline;
    the two take turns, round by round, so both see the same machine."""
    from bench.baseline_connections_client import ManagementApi as HandWrittenApi
    from plaza.realtime import delivery
    from plaza.stores.realtime import ManagementApi

    clients: dict[str, Any] = {"new": ManagementApi(endpoint), "old": HandWrittenApi(endpoint)}
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    trips: dict[str, list[float]] = {name: [] for name in clients}
    arrivals: dict[str, list[float]] = {name: [] for name in clients}
    spent: dict[str, list[float]] = {name: [] for name in clients}
    single = connection_ids[0]
    frame = b'{"type":"bench","n":-1}'  # a number no round expects: the listeners skip it
    number = first_number
    try:
        for round_number in range(ROUNDS + 1):
            for name, api in clients.items():
                started_cpu = time.thread_time()
                for _ in range(SINGLE_POSTS):
                    started = time.perf_counter()
                    api.post_to_connection(single, frame)
                    trips[name].append((time.perf_counter() - started) * 1e6)
                cpu[name].append((time.thread_time() - started_cpu) / SINGLE_POSTS * 1e6)

                listeners.expect(number)
                data = json.dumps({"type": "bench", "n": number}).encode()
                started, started_cpu = time.monotonic(), time.process_time()
                failures = api.post_to_connections([(connection_id, data)
                                                    for connection_id in connection_ids],
                                                   delivery.PARALLEL_POSTS)
                cpu_spent = time.process_time() - started_cpu
                assert not failures, failures[:3]
                reached = listeners.wait(number, timeout=60)
                number += 1
                if round_number:  # the first round warms both clients' connections
                    arrivals[name] += [(arrived - started) * 1000 for arrived in reached]
                    spent[name].append(cpu_spent * 1000)
    finally:
        for api in clients.values():
            api.close()
    for samples in (*trips.values(), *arrivals.values()):
        samples.sort()

    def p(samples: list[float], fraction: float) -> float:
        return round(samples[min(len(samples) - 1, int(len(samples) * fraction))], 2)

    per_post = report.row("@connections client CPU per post (median of rounds)",
                          round(report.median(cpu["new"][1:]), 1), "us",
                          round(report.median(cpu["old"][1:]), 1),
                          goal=f"ratio <= {PER_POST_GOAL}",
                          baseline_is="the hand-written client, bench/baseline_connections_client.py",
                          note="one post at a time to a live connection; the calling thread's CPU"
                               " (the gateway runs on another thread)")
    per_post["ok"] = per_post["ratio"] is not None and per_post["ratio"] <= PER_POST_GOAL
    note = (f"{len(connection_ids)} connections posted by post_to_connections "
            f"(parallel {delivery.PARALLEL_POSTS}) from the bench process, {ROUNDS} rounds")
    return [
        per_post,
        report.row("@connections post round trip p50", p(trips["new"], 0.5), "us",
                   p(trips["old"], 0.5), note="post_to_connection to the local gateway and back"),
        report.row("@connections 1,000-connection broadcast delivery p50", p(arrivals["new"], 0.5),
                   "ms", p(arrivals["old"], 0.5), note=note),
        report.row("@connections 1,000-connection broadcast delivery p99",
                   p(arrivals["new"], 0.99), "ms", p(arrivals["old"], 0.99), note=note),
        report.row("@connections 1,000-connection broadcast, CPU", round(report.median(spent["new"]), 1),
                   "ms", round(report.median(spent["old"]), 1),
                   note="this process's CPU during post_to_connections: the client's, plus the"
                        " local gateway's (a thread here) for the same 1,000 posts"),
    ]


class _Listeners:
    """Many client sockets on one asyncio loop in a thread, noting when each frame arrives."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop: asyncio.AbstractEventLoop
        try:  # the clients' own cost, not the delivery's: the fastest loop at hand
            import uvloop

            self.loop = uvloop.new_event_loop()
        except ImportError:
            self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sockets: list[Any] = []
        self.arrivals: dict[int, list[float]] = {}
        self.done: dict[int, threading.Event] = {}

    def _run(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def open(self, count: int) -> None:
        from websockets.asyncio.client import connect

        async def one() -> None:
            socket = await connect(self.url, open_timeout=60)
            self.sockets.append(socket)
            self.loop.create_task(self._listen(socket))

        async def all_of_them() -> None:
            for start in range(0, count, 50):  # 50 handshakes at a time: $connect runs each
                await asyncio.gather(*(one() for _ in range(min(50, count - start))))

        self._run(all_of_them(), timeout=600)

    async def _listen(self, socket: Any) -> None:
        async for frame in socket:
            arrived = time.monotonic()
            number = json.loads(frame).get("n")
            if number in self.arrivals:
                self.arrivals[number].append(arrived)
                if len(self.arrivals[number]) == len(self.sockets):
                    self.done[number].set()

    def expect(self, number: int) -> None:
        self.arrivals[number] = []
        self.done[number] = threading.Event()

    def wait(self, number: int, timeout: float) -> list[float]:
        if not self.done[number].wait(timeout):
            raise TimeoutError(f"{len(self.arrivals[number])} of {len(self.sockets)} got broadcast {number}")
        return self.arrivals[number]

    def close(self) -> None:
        async def close_all() -> None:
            await asyncio.gather(*(socket.close() for socket in self.sockets),
                                 return_exceptions=True)

        try:
            self._run(close_all(), timeout=120)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)


class _ListenerProcess:
    """_Listeners in a child process, driven over a pipe with the same calls."""

    def __init__(self, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_serve_listeners, args=(url, child), daemon=True)
        self.process.start()
        child.close()

    def _call(self, *request: Any, timeout: float) -> Any:
        self.pipe.send(request)
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"the listener process did not answer {request[0]}")
        answer = self.pipe.recv()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def open(self, count: int) -> None:
        self._call("open", count, timeout=600)

    def expect(self, number: int) -> None:
        self._call("expect", number, timeout=10)

    def wait(self, number: int, timeout: float) -> list[float]:
        result: list[float] = self._call("wait", number, timeout, timeout=timeout + 10)
        return result

    def close(self) -> None:
        try:
            self._call("close", timeout=130)
        finally:
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()


def _serve_listeners(url: str, pipe: Any) -> None:
    listeners = _Listeners(url)
    while True:
        command, *arguments = pipe.recv()
        try:
            answer = getattr(listeners, command)(*arguments)
        except Exception as error:  # noqa: BLE001 - raised again in the bench process
            answer = error
        pipe.send(answer)
        if command == "close":
            return
