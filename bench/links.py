"""Links rows, through one local cloud on the main template:

- `redirect` p50/p99: warm GET /l/{code} (a Redis GET and an SQS send to ClicksQueue), with warm
  GET /health measured in the same run, by the same keep-alive client, as the baseline (goal:
  redirect p50 <= 1.3x health's). Beside it, what the click's send costs: GET /l/{unknown} (the
  same lookup, a cached miss, no click) and SendMessage to the local SQS from this process.
- `click ingestion`: 10,000 clicks sent to ClicksQueue (SendMessageBatch, 10 a call, 4 threads)
  and rolled up by the consumer: clicks/s from the first send until GET /v1/links/{code}/stats
  shows all 10,000, and the lag from the last send until it does.

The local cloud runs in this process (its HTTP server on a thread), as bench/realtime.py's does:
the client and the server share the GIL, health and redirect alike.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import report
from bench.local_http import KeepAliveClient, percentiles
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 2000
WARMUP = 200
GOAL_RATIO = 1.3
CLICKS = 10_000
BATCH = 100  # the consumer's BatchSize in template.yaml
# Clicks also sent through the local SQS (0: none; see the module's docstring for why).
QUEUE_CLICKS = int(os.environ.get("LINKS_BENCH_QUEUE_CLICKS", "0"))
SENDERS = 4
TARGET = "https://93.184.215.14/bench"


def rows() -> list[dict[str, Any]]:
    with private_stores() as stores:
        return _measure(stores)


def _timed_gets(client: KeepAliveClient, path: str, expected: int, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = client.get(path)
        samples.append(time.perf_counter() - started)
        if status != expected:
            raise RuntimeError(f"GET {path} answered {status}, not {expected}")
    return samples


def _measure(stores: Any) -> list[dict[str, Any]]:
    import httpx

    from localcloud.template import ACCOUNT_ID
    from plaza.stores import aws
    from tests.support.identity import sign_up_and_in
    from tests.support.local_cloud import running_local_cloud

    limits = "auth=100000/60,core=100000/60,media=100000/60,links=100000/60"
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url,
                             extra_env={"RATE_LIMITS": limits}) as cloud:
        os.environ.update(cloud.cloud.aws_env)
        aws.reset()
        queue = (f"{cloud.aws_endpoint}/{ACCOUNT_ID}/"
                 f"{cloud.cloud.stack.queues['ClicksQueue'].name}")
        device = "bench-links-device"
        login = sign_up_and_in(cloud.http_url, f"linker_{uuid.uuid4().hex[:8]}", device)
        api = httpx.Client(base_url=cloud.http_url, timeout=30, headers={
            "authorization": f"Bearer {login['access_token']}", "x-device-id": device})

        def new_link() -> str:
            created = api.post("/v1/links", json={"url": TARGET})
            if created.status_code != 201:
                raise RuntimeError(f"POST /v1/links answered {created.status_code}: {created.text}")
            return str(created.json()["code"])

        def counted(code: str) -> int:
            return int(api.get(f"/v1/links/{code}/stats").json()["clicks"])

        hot = new_link()
        host, port = cloud.http_url.removeprefix("http://").split(":")
        client = KeepAliveClient(host, int(port))
        try:
            _timed_gets(client, "/health", 200, WARMUP)
            _timed_gets(client, f"/l/{hot}", 302, WARMUP)
            _timed_gets(client, "/l/no-such-code", 404, WARMUP)
            health, redirect, lookup = [], [], []
            # Interleaved blocks, so a noisy neighbour on the shared machine hits all three alike.
            for _ in range(4):
                health += _timed_gets(client, "/health", 200, REQUESTS // 4)
                lookup += _timed_gets(client, "/l/no-such-code", 404, REQUESTS // 4)
                redirect += _timed_gets(client, f"/l/{hot}", 302, REQUESTS // 4)
            last_redirect = time.monotonic()
        finally:
            client.close()
        redirected = WARMUP + REQUESTS  # the 404s queue nothing
        deadline = time.monotonic() + 300
        while (total := counted(hot)) < redirected and time.monotonic() < deadline:
            time.sleep(0.05)
        redirect_lag = time.monotonic() - last_redirect
        if total != redirected:
            raise RuntimeError(f"{total} of {redirected} redirect clicks counted")
        _progress(f"{total} redirect clicks counted; timing SendMessage")
        sqs = aws.after_commit("sqs")
        sends = []
        for _ in range(WARMUP + REQUESTS // 4):
            started = time.perf_counter()
            # Not a click: the consumer drops it (LinkClickDropped).
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"bench": "ignored"}))
            sends.append(time.perf_counter() - started)
        send_p50, send_p99 = percentiles(sends[WARMUP:])
        _progress(f"rolling up {CLICKS} clicks in process")
        consumer_rate = _consume_in_process(new_link(), counted)
        queue_rows = []
        if QUEUE_CLICKS:
            # Retries allowed here (a duplicate has the same click id and counts once).
            started, sent, done = _ingest(aws.client("sqs", read_timeout=30, attempts=5), queue,
                                          new_link(), counted)
            queue_rows = [report.row(f"click ingestion through ClicksQueue, {QUEUE_CLICKS:,}"
                                     " clicks", round(QUEUE_CLICKS / (done - started), 1),
                                     "clicks/s", note="lag after the last send"
                                     f" {(done - sent) * 1000:.0f} ms; local SQS is moto")]
        api.close()
    health_p50, health_p99 = percentiles(health)
    redirect_p50, redirect_p99 = percentiles(redirect)
    lookup_p50, _ = percentiles(lookup)
    ratio = redirect_p50 / health_p50
    return [
        report.row("redirect GET /l/{code} warm p50", round(redirect_p50, 3), "ms",
                   round(health_p50, 3), baseline_is="GET /health warm p50, same run",
                   goal=f"<= {GOAL_RATIO}x GET /health p50", ok=ratio <= GOAL_RATIO,
                   note=f"{REQUESTS} requests through the local cloud (in-process), one keep-alive"
                   " connection; each click sent to ClicksQueue"),
        report.row("redirect GET /l/{code} warm p99", round(redirect_p99, 3), "ms",
                   round(health_p99, 3), baseline_is="GET /health warm p99, same run"),
        report.row("redirect lookup only (GET /l/{unknown}, 404) p50", round(lookup_p50, 3), "ms",
                   round(health_p50, 3), note="the same Redis lookup, no click queued: the rest"
                   " of the redirect's time is the SQS send"),
        report.row("SendMessage to the local ClicksQueue p50", round(send_p50, 3), "ms",
                   note=f"p99 {send_p99:.3f} ms; boto3 from this process to the local cloud's moto"),
        report.row("click ingestion lag, the redirects' clicks", round(redirect_lag * 1000), "ms",
                   note=f"last redirect -> stats route showing all {WARMUP + REQUESTS:,} clicks"
                   " (ClicksQueue, consumer in batches of 100, 1 s window, rollups)"),
        report.row(f"click ingestion, {CLICKS:,} clicks (consumer handler)",
                   round(consumer_rate), "clicks/s",
                   note=f"functions/links/record_clicks.py in this process, batches of {BATCH},"
                   " every tenth delivered twice; stats show exactly the 10,000; no SQS"),
        *queue_rows,
    ]


def _consume_in_process(code: str, counted: Any) -> float:
    """CLICKS clicks of `code` through the consumer's handler; clicks/s. Every tenth batch is
    delivered twice; the stats route must then show exactly CLICKS."""
    import datetime as dt

    from plaza.links import clicks
    from tests.support.lambdas import FakeContext, load_function

    consumer = load_function("functions/links/record_clicks.py")
    at = dt.datetime.now(dt.UTC)
    records = [{"messageId": str(number), "body": json.dumps(clicks.click(
        code, ip=f"10.{number // 65536}.{number // 256 % 256}.{number % 256}",
        referer="https://bench.example/", user_agent="plaza-bench/1.0", country="DE", at=at))}
        for number in range(CLICKS)]
    started = time.perf_counter()
    for index in range(0, CLICKS, BATCH):
        batch = records[index:index + BATCH]
        for _ in range(2 if index // BATCH % 10 == 0 else 1):
            answer = consumer.handler({"Records": batch}, FakeContext())
            if answer["batchItemFailures"]:
                raise RuntimeError(f"batch {index // BATCH} failed: {answer}")
    elapsed = time.perf_counter() - started
    if (total := counted(code)) != CLICKS:
        raise RuntimeError(f"the stats show {total} clicks, not {CLICKS}")
    return CLICKS / elapsed


def _progress(text: str) -> None:
    print(f"bench links: {text}", file=sys.stderr, flush=True)


def _ingest(sqs: Any, queue: str, code: str, counted: Any) -> tuple[float, float, float]:
    """Send QUEUE_CLICKS clicks of `code` to the queue; (started, all sent, all counted) monotonic s."""
    import datetime as dt

    at = dt.datetime.now(dt.UTC).isoformat()

    def send(batch: int) -> None:
        entries = [{"Id": str(index), "MessageBody": json.dumps({
            "id": str(uuid.uuid4()), "code": code, "at": at, "referrer": "bench.example",
            "country": "DE", "visitor": uuid.uuid4().hex, "user_agent": "plaza-bench/1.0"})}
            for index in range(10)]
        answer = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
        if answer.get("Failed"):
            raise RuntimeError(f"batch {batch}: {answer['Failed']}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        list(pool.map(send, range(QUEUE_CLICKS // 10)))
    sent = time.monotonic()
    _progress(f"{QUEUE_CLICKS} clicks sent in {sent - started:.1f} s")
    deadline = sent + 600
    while (total := counted(code)) < QUEUE_CLICKS:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {total} of {QUEUE_CLICKS} clicks counted after 10 minutes")
        _progress(f"{total} counted")
        time.sleep(0.5)
    return started, sent, time.monotonic()


if __name__ == "__main__":
    for row in rows():
        print(row)
