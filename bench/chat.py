"""Chat rows: `message.send` -> `message.new` latency between two members, through the local cloud.

Real WebSocket clients on the local cloud (uvicorn + Lambda containers) against embedded Postgres
and Redis: the sender's frame goes through the gateway's route selection, the message.send
function (membership, idempotency lookup, the sequenced insert, the ack), the hub's
@connections post to the other member. Measured until the recipient's socket has the frame.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from bench import report
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 20
SENDS = 300


def rows() -> list[dict[str, Any]]:
    with private_stores() as stores:
        return _measure(stores)


def _measure(stores: Any) -> list[dict[str, Any]]:
    import httpx
    from websockets.sync.client import connect

    from tests.support.identity import sign_up_and_in
    from tests.support.local_cloud import running_local_cloud

    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as cloud:
        stage = cloud.cloud.stack.websocket_apis["WebSocketApi"].stage
        suffix = uuid.uuid4().hex[:8]
        logins = {name: sign_up_and_in(cloud.http_url, f"{name}_{suffix}", f"bench-{name}-device")
                  for name in ("sender", "reader")}
        device = "bench-sender-device"
        with httpx.Client(base_url=cloud.http_url, timeout=30) as client:
            created = client.post("/v1/conversations", json={"usernames": [f"reader_{suffix}"]},
                                  headers={"authorization": f"Bearer {logins['sender']['access_token']}",
                                           "x-device-id": device})
            created.raise_for_status()
        conversation = created.json()["id"]

        def url(name: str) -> str:
            return (f"{cloud.websocket_url}/{stage}?token={logins[name]['access_token']}"
                    f"&device_id=bench-{name}-device")

        with connect(url("sender"), open_timeout=15) as sender, \
                connect(url("reader"), open_timeout=15) as reader:
            samples = []
            for number in range(WARMUP + SENDS):
                started = time.perf_counter()
                sender.send(json.dumps({"action": "message.send", "conversation_id": conversation,
                                        "client_msg_id": f"m-{number}", "text": f"message {number}"}))
                while json.loads(reader.recv(timeout=10)).get("type") != "message.new":
                    pass
                elapsed = (time.perf_counter() - started) * 1000
                _drain(sender)
                if number >= WARMUP:
                    samples.append(elapsed)
    samples.sort()
    note = f"{SENDS} sends after {WARMUP} warm-up, one at a time, two members, local cloud"
    return [
        report.row("chat message.send -> message.new p50", round(samples[len(samples) // 2], 2),
                   "ms", note=note),
        report.row("chat message.send -> message.new p99", round(samples[int(len(samples) * 0.99)], 2),
                   "ms", note=f"goal <= 50 ms; {note}"),
    ]


def _drain(sender: Any) -> None:
    """Read the sender's ack and delivery receipt so they do not pile up in its socket."""
    seen = set()
    while not {"message.ack", "message.delivered"} <= seen:
        seen.add(json.loads(sender.recv(timeout=10)).get("type"))
