"""Posts rows: warm create-post p50 through the Lambda handler, and warm get-post and like p50.

Runs in this process against embedded Postgres and Redis. A create is the whole handler: event
parsing, rate limit, Idempotency-Key claim, insert with hashtags and a mention, the stored
response and the trending score; measured without and with StartExecution of the fan-out state
machine (answered by moto in-process, which costs more CPU than the AWS call but no network).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from bench import report
from bench.stores import private_stores

CREATES = 300
READS = 1000


def rows() -> list[dict[str, Any]]:
    from moto import mock_aws

    with private_stores(STAGE="test", AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="bench",
                        AWS_SECRET_ACCESS_KEY="bench", RATE_LIMITS="core=1000000/60") as stores:  # noqa: S106 - dummy
        os.environ.pop("AWS_ENDPOINT_URL", None)
        with mock_aws():
            return _measure(stores)


def _p(samples: list[float], share: float) -> float:
    return round(sorted(samples)[int(len(samples) * share)], 2)


def _timed(call: Any, times: int) -> list[float]:
    samples = []
    for number in range(times):
        started = time.perf_counter()
        call(number)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _measure(stores: Any) -> list[dict[str, Any]]:
    import boto3

    from plaza.identity import repo as identity_repo
    from plaza.posts import service
    from plaza.stores import cache
    from tests.support.lambdas import FakeContext, http_event, load_function

    cache.reset()
    arn = boto3.client("stepfunctions").create_state_machine(
        name="bench-post-fanout", roleArn="arn:aws:iam::123456789012:role/bench",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]
    os.environ["POST_FANOUT_STATE_MACHINE_ARN"] = arn
    suffix = uuid.uuid4().hex[:8]
    author, fan = (str(identity_repo.insert_user(f"{name}_{suffix}", f"{name}_{suffix}@example.edu",
                                                 name, "x")["id"]) for name in ("author", "fan"))
    caller = {"user_id": author, "role": "user", "device_id": "bench-device",
              "session_id": str(uuid.uuid4())}
    create = load_function("functions/posts/create.py")

    def post(number: int) -> None:
        event = http_event("POST", "/v1/posts", authorizer=caller,
                           headers={"idempotency-key": f"bench-{suffix}-{number}"},
                           body={"text": f"post {number} #bench #plaza @fan_{suffix}"})
        result = create.handler(event, FakeContext())
        assert result["statusCode"] == 201, result

    post(-1)  # warm: imports, connections, clients
    with_fanout = _timed(post, CREATES)
    del os.environ["POST_FANOUT_STATE_MACHINE_ARN"]
    created = _timed(lambda n: post(CREATES + n), CREATES)
    post_id = service.create_post(author, _post_in("read me")).post.id
    service.get_post(fan, post_id)
    reads = _timed(lambda _: service.get_post(fan, post_id), READS)
    likes = _timed(lambda n: (service.like if n % 2 == 0 else service.unlike)(fan, post_id), READS)
    cache.reset()
    return [
        report.row("posts: warm create-post p50", round(report.median(created), 2), "ms",
                   note="handler end to end: Idempotency-Key, 2 hashtags + 1 mention, trending "
                        "score; without the fan-out StartExecution", p90=_p(created, 0.9)),
        report.row("posts: warm create-post p50 with StartExecution", round(
            report.median(with_fanout), 2), "ms",
            note="the same plus StartExecution answered by moto in-process (moto's own cost "
                 "dominates the difference; AWS adds a network round trip instead)",
            p90=_p(with_fanout, 0.9)),
        report.row("posts: warm get-post p50 (cached)", round(report.median(reads), 3), "ms",
                   note="Redis copy + one Postgres query for counts, blocks and visibility",
                   p99=_p(reads, 0.99)),
        report.row("posts: like/unlike p50", round(report.median(likes), 3), "ms",
                   note="visibility check + like row + count trigger + trending score",
                   p99=_p(likes, 0.99)),
    ]


def _post_in(text: str) -> Any:
    from plaza.posts.models import PostIn

    return PostIn(text=text)
