"""`python -m localcloud` (what `make dev` runs) as a user runs it: it comes up on the main
template with the demo accounts, answers, and Ctrl-C leaves nothing running. Also the demo
seeding on its own: running it again does not fail on the accounts it already made."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from localcloud import demo
from localcloud.cloud import LocalCloud, LocalCloudConfig
from localcloud.embedded import EmbeddedStores, free_port
from tests.support.polling import eventually

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]


def children_of(pid: int) -> set[int]:
    """Every live descendant of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_dev_command_serves_the_template_and_a_signal_stops_everything(
        stores: EmbeddedStores, stop: str) -> None:
    http_port = free_port()
    env = {**os.environ, "DATABASE_URL": stores.database_url, "REDIS_URL": stores.redis_url,
           "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--no-watch", "--http-port", str(http_port),
         "--ws-port", str(free_port()), "--aws-port", str(free_port())],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Ctrl-C stops everything" in line:  # the banner's last line
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(90), "".join(output)
        response = httpx.get(f"http://127.0.0.1:{http_port}/health", timeout=30)
        assert response.status_code == 200, response.text
        workers = children_of(process.pid)
        assert workers, "GET /health should have started a function container"
        if stop == "ctrl-c":
            # Ctrl-C in a terminal signals the whole foreground process group.
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)  # only the cloud: it must stop its children
        assert process.wait(30) == 0, "".join(output)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(5)
    text = "".join(output)
    assert f"http://127.0.0.1:{http_port}/_local" in text
    assert "alice" in text and demo.PASSWORD in text
    assert "stopped" in text
    assert "Traceback" not in text
    eventually(lambda: not any(alive(pid) for pid in workers), timeout=5, every=0.05)


def test_demo_seeding_twice_keeps_the_accounts(clean_stores: EmbeddedStores) -> None:
    if not demo.identity_available():
        pytest.skip("plaza.identity is not in this tree")
    cloud = LocalCloud(LocalCloudConfig(template=ROOT / "template.yaml", http_port=0,
                                        websocket_port=0, aws_port=0))
    cloud.database_url, cloud.redis_url = clean_stores.database_url, clean_stores.redis_url
    first, _ = demo.seed(cloud)
    second, _ = demo.seed(cloud)
    everyone = len(demo.ACCOUNTS) + len(demo.STAFF)  # the demo users and the first admin
    assert [a["status"] for a in first] == ["created"] * everyone
    assert [a["status"] for a in second] == ["exists"] * everyone
    # The function settings were put back afterwards.
    assert os.environ.get("DATABASE_URL") == clean_stores.database_url
    assert os.environ.get("AWS_ENDPOINT_URL") != cloud.endpoints.aws_endpoint


def test_dev_command_refuses_a_busy_port_before_starting_anything() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "localcloud", "--http-port", str(port), "--ws-port", "0",
             "--aws-port", "0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"},
            capture_output=True, text=True, timeout=60,
        )
    assert done.returncode == 2
    assert f"--http-port {port}" in done.stderr
    assert "Traceback" not in done.stderr
