"""Accounts row: the data export of a user with 10,000 posts and 50,000 messages sent: seconds
of each step of the data_export machine and peak memory of the largest (goal <= 256 MB).

Embedded Postgres holds the rows (seeded with generate_series); moto's S3 runs as its own
process (moto_server), so the part files and the zip are not in the measured memory. Each step
runs in a fresh interpreter, as a Lambda container would, through the same service functions
the task handlers call: `plan`, every page of the Map one after another (a Lambda runs them one
at a time too; the peak is the worst page's), then `assemble`. Memory is the child's peak RSS
(what Lambda reports as Max Memory Used), the interpreter and its imports included.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import report
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
POSTS = 10_000
MESSAGES = 50_000
BUCKET = "plaza-bench-exports"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rows() -> list[dict[str, Any]]:
    port = _free_port()
    moto = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with private_stores(
                STAGE="test", AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
                AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's
                AWS_DEFAULT_REGION="us-east-1", EXPORTS_BUCKET=BUCKET,
                PYTHONPATH=f"{ROOT / 'shared'}:{ROOT}",
                # The statement timeout of a request is not a background task's.
                DB_STATEMENT_TIMEOUT_MS="60000") as stores:
            os.environ.pop("NOTIFICATIONS_QUEUE_URL", None)
            return _measure(stores, port)
    finally:
        moto.terminate()
        moto.wait(10)


def _measure(stores: Any, port: int) -> list[dict[str, Any]]:
    import boto3
    import psycopg


    for _ in range(100):  # moto_server takes a moment to listen
        try:
            boto3.client("s3").create_bucket(Bucket=BUCKET)
            break
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.1)
    with psycopg.connect(stores.database_url, autocommit=True) as conn:
        user_id, export_id = _seed(conn)

    plan, plan_s, plan_mb = _step("plan", export_id)
    pages = plan["pages"]
    _, pages_s, pages_mb = _step("pages", json.dumps(pages))
    done, assemble_s, assemble_mb = _step("assemble", json.dumps({"export_id": export_id,
                                                                  "pages": pages}))
    with psycopg.connect(stores.database_url) as conn:
        status = conn.execute("SELECT status FROM data_exports WHERE id = %s",
                              (export_id,)).fetchone()
    largest = max(plan_mb, pages_mb, assemble_mb)
    total = plan_s + pages_s + assemble_s
    note = (f"goal <= 256 MB; {POSTS:,} posts + {MESSAGES:,} messages; {len(pages)} pages;"
            f" zip {done['size_bytes'] / 1e6:.1f} MB; export {status[0] if status else '?'}")
    return [
        report.row("export: all steps, seconds", round(total, 2), "s",
                   note=f"plan {plan_s:.2f} s, {len(pages)} pages one after another"
                        f" {pages_s:.2f} s (the Map runs 4 at once), assemble {assemble_s:.2f} s"),
        report.row("export: peak memory of the largest step", round(largest, 1), "MB",
                   note=f"{note}; plan {plan_mb:.0f} MB, pages {pages_mb:.0f} MB,"
                        f" assemble {assemble_mb:.0f} MB (peak RSS, interpreter included)"),
    ]


def _seed(conn: Any) -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:6]
    users = []
    for name in (f"exp_{suffix}", f"peer_{suffix}"):
        row = conn.execute("INSERT INTO users (username, email, display_name) VALUES (%s, %s, %s)"
                           " RETURNING id::text", (name, f"{name}@example.edu", name)).fetchone()
        users.append(row[0])
    user_id, peer = users
    conn.execute(
        "INSERT INTO posts (author_id, text, created_at) SELECT %s, 'Post number ' || n ||"
        " ' about the harbour, the market and the long walk home <b>&</b> ' || repeat('word ', 30),"
        " now() - n * interval '1 minute' FROM generate_series(1, %s) AS n", (user_id, POSTS))
    conversation = conn.execute(
        "INSERT INTO conversations (kind, direct_key, created_by) VALUES ('direct', %s, %s)"
        " RETURNING id::text", (f"bench-{suffix}", user_id)).fetchone()[0]
    conn.execute("INSERT INTO conversation_members (conversation_id, user_id) VALUES (%s, %s), (%s, %s)",
                 (conversation, user_id, conversation, peer))
    conn.execute(
        "INSERT INTO messages (conversation_id, seq, sender_id, client_msg_id, text)"
        " SELECT %s, n, %s, 'm-' || n, 'Message ' || n || ': see you at the usual place at six'"
        " FROM generate_series(1, %s) AS n", (conversation, user_id, MESSAGES))
    conn.execute("UPDATE conversations SET last_seq = %s WHERE id = %s", (MESSAGES, conversation))
    export_id = conn.execute("INSERT INTO data_exports (user_id) VALUES (%s) RETURNING id::text",
                             (user_id,)).fetchone()[0]
    return user_id, export_id


def _step(name: str, argument: str) -> tuple[Any, float, float]:
    """Run one step in a fresh interpreter: (its result, seconds, peak RSS in MB)."""
    done = subprocess.run([sys.executable, "-m", "bench.accounts", name, argument], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"export step {name} failed: {done.stderr[-2000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["result"], answer["seconds"], answer["peak_mb"]


def _run_step(name: str, argument: str) -> None:
    from plaza.accounts import exports

    began = time.perf_counter()
    if name == "plan":
        result: Any = exports.plan(argument)
    elif name == "pages":
        result = [exports.write_page(page) for page in json.loads(argument)]
    else:
        data = json.loads(argument)
        result = exports.assemble(data["export_id"], data["pages"])
    seconds = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"result": result, "seconds": seconds, "peak_mb": peak_kb / 1024}))


if __name__ == "__main__":
    _run_step(sys.argv[1], sys.argv[2])
