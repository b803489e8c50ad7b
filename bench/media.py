"""Media rows: a 4,000x3,000 JPEG (12 MP, an ordinary phone photo) from its upload to `ready`, in
ms (warm, and the first upload of a cold container), and the processing function's peak memory
(goal: within 512 MB).

The real handler (functions/media/process.py) runs in a fresh Python process, as a Lambda
container would, on SQS messages carrying S3 notifications: it reads the object from S3 (moto,
in this process), decodes, re-encodes the original, writes the thumb and medium WebP variants and
the blurhash, and marks the row ready in the embedded Postgres. The time is the handler's; the
memory is the process's peak resident set (ru_maxrss), what Lambda reports as Max Memory Used.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from bench import report
from bench.stores import private_stores

ROOT = Path(__file__).resolve().parent.parent
RUNS = 4
WIDTH, HEIGHT = 4000, 3000
BUCKET = "plaza-bench-media"

_CHILD = r"""
import importlib.util, json, resource, sys, time
spec = importlib.util.spec_from_file_location("process", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
timings, failures = [], []
for event in json.loads(sys.argv[2]):
    began = time.perf_counter()
    failures += module.handler(event, None)["batchItemFailures"]
    timings.append((time.perf_counter() - began) * 1000)
print(json.dumps({"ms": timings, "failures": failures,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _photo() -> bytes:
    """A 12 MP JPEG with a photo's texture (gradients and noise), about 3-6 MB."""
    from PIL import Image

    noise = Image.effect_noise((WIDTH, HEIGHT), 40)
    red = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    blue = red.transpose(Image.Transpose.ROTATE_90).resize((WIDTH, HEIGHT))
    image = Image.merge("RGB", (Image.blend(red, noise, 0.3), noise, Image.blend(blue, noise, 0.3)))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def rows() -> list[dict[str, Any]]:
    with private_stores(STAGE="test") as stores:
        return _measure(stores)


def _measure(stores: Any) -> list[dict[str, Any]]:
    import boto3
    from moto.server import ThreadedMotoServer

    from plaza import config
    from plaza.identity import repo as identity_repo
    from plaza.media import service, storage
    from plaza.media.models import UploadIn

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {"DATABASE_URL": stores.database_url, "REDIS_URL": stores.redis_url, "STAGE": "test",
           "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "MEDIA_BUCKET": BUCKET}
    os.environ.update(env)
    try:
        config.reset_settings()
        storage.reset()
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        name = f"bench_media_{uuid.uuid4().hex[:6]}"
        owner = str(identity_repo.insert_user(name, f"{name}@example.edu", name, "x")["id"])
        photo = _photo()
        run = _run(s3, service, UploadIn, owner, photo, env)
    finally:
        server.stop()
    assert not run["failures"], run
    cold, warm = run["ms"][0], report.median(run["ms"][1:])
    peak = run["peak_mb"]
    note = (f"{WIDTH}x{HEIGHT} JPEG of {len(photo) / 1e6:.1f} MB with GPS EXIF -> ready: read from"
            f" S3, original re-encoded, thumb + medium WebP, blurhash, row marked; {RUNS} uploads"
            " through one fresh handler process: the first pays the lazy imports (boto3, Pillow)")
    return [
        report.row("image processing (upload to ready, warm)", round(warm, 1), "ms",
                   note=note + f"; median of the {RUNS - 1} after it"),
        report.row("image processing (upload to ready, cold container)", round(cold, 1), "ms",
                   note="the first upload of the process, imports included"),
        report.row("image processing peak memory", round(peak, 1), "MB", goal="<= 512",
                   meets_goal=peak <= 512, note="ru_maxrss of the function's process (imports"
                   " and all), what Lambda reports as Max Memory Used"),
    ]


def _run(s3: Any, service: Any, upload_in: Any, owner: str, photo: bytes,
         env: dict[str, str]) -> dict[str, Any]:
    events, media_ids = [], []
    for _ in range(RUNS):
        signed = service.create_upload(owner, upload_in(purpose="post", content_type="image/jpeg",
                                                        size=len(photo)))
        key = f"uploads/{signed.media_id}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=photo)
        notification = {"Records": [{"eventName": "ObjectCreated:Post", "eventSource": "aws:s3",
                                     "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}}]}
        events.append({"Records": [{"messageId": str(uuid.uuid4()),
                                    "body": json.dumps(notification)}]})
        media_ids.append(signed.media_id)
    child_env = {**os.environ, **env,
                 "PYTHONPATH": os.pathsep.join([str(ROOT / "functions" / "media"),
                                                str(ROOT / "shared")])}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT / "functions" / "media" / "process.py"),
         json.dumps(events)], env=child_env, capture_output=True, text=True, timeout=300,
        check=True)
    result = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    statuses = {service.get_media(owner, media_id).status for media_id in media_ids}
    if statuses != {"ready"}:
        raise RuntimeError(f"the photos ended {statuses}: {done.stderr[-2000:]}")
    return result
