"""Mail row: the email consumer's throughput through the local cloud, mails per second.

N users' emails are queued on EmailQueue at once (as plaza.emails.enqueue writes them, the
deletion_cancelled template: a user lookup, a render, a send); the local cloud's SQS event
source hands them to functions/auth/send_email.py in batches of 10, which renders each (Jinja2,
text + HTML) and sends it through moto's SES. Timed from the first enqueue to the last mail in
the outbox.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from bench import report
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
MAILS = 500


def rows() -> list[dict[str, Any]]:
    with private_stores(STAGE="test") as stores:
        return _measure(stores)


def _measure(stores: Any) -> list[dict[str, Any]]:
    from localcloud.template import ACCOUNT_ID
    from plaza import config
    from plaza.identity import repo as identity_repo
    from plaza.stores import aws
    from tests.support.local_cloud import running_local_cloud

    suffix = uuid.uuid4().hex[:6]
    ids = [str(identity_repo.insert_user(f"m{n}_{suffix}", f"m{n}_{suffix}@example.edu",
                                         f"Mailee {n}", "x")["id"]) for n in range(MAILS)]
    with running_local_cloud(ROOT / "template.yaml", database_url=stores.database_url,
                             redis_url=stores.redis_url) as cloud:
        os.environ.update(cloud.cloud.aws_env)
        queue = cloud.cloud.stack.queues["EmailQueue"].name
        os.environ["EMAIL_QUEUE_URL"] = f"{cloud.cloud.endpoints.aws_endpoint}/{ACCOUNT_ID}/{queue}"
        config.reset_settings()
        aws.reset()
        arrived: list[float] = []

        def heard(kind: str, entry: dict[str, Any]) -> None:
            if kind == "outbox" and entry.get("channel") == "email" and suffix in str(entry.get("to")):
                arrived.append(time.perf_counter())

        unsubscribe = cloud.cloud.recorder.subscribe(heard)

        def delivered() -> int:
            return len(arrived)

        # Queued ten at a time (SendMessageBatch), so the producer is not what is measured; each
        # body is what plaza.emails.enqueue writes.
        sqs = aws.client("sqs")
        url = config.settings().email_queue_url
        bodies = [json.dumps({"id": str(uuid.uuid4()), "template": "deletion_cancelled",
                              "to_user_id": user_id, "to_address": None, "context": {}})
                  for user_id in ids]
        started = time.perf_counter()
        for first in range(0, MAILS, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "MessageBody": body}
                for n, body in enumerate(bodies[first:first + 10])])
        queued = time.perf_counter() - started
        deadline = time.monotonic() + 300
        while delivered() < MAILS and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = delivered()
        elapsed = (arrived[-1] if arrived else time.perf_counter()) - started
        unsubscribe()
    aws.reset()
    draining = (arrived[-1] - arrived[0]) if len(arrived) > 1 else 0.0
    return [report.row("email consumer throughput", round(sent / elapsed, 1), "mails/s",
                       note=f"{sent}/{MAILS} mails queued ({queued:.1f} s, batches of 10), each"
                       " looked up, rendered (text + HTML) and sent through the local SES;"
                       f" {elapsed:.1f} s from the first enqueue to the last mail,"
                       f" {sent / draining if draining else 0:.1f} mails/s between the first and"
                       " last mail; one consumer, SQS batches of 10")]
