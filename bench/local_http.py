"""Local cloud rows: warm GET /health against a bare ASGI floor, the cold first request, the
WebSocket round trip through a handler's @connections POST, and the time from
`python -m localcloud` to ready.

The HTTP client is a raw keep-alive socket so the numbers are the server's, not an HTTP
library's. The machine is shared: p99s move with whatever else runs.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 2000
GOAL_RATIO = 1.5
GOAL_P99_MS = 2.0
GOAL_COLD_MS = 100.0
GOAL_WS_P50_MS = 1.5
WS_ROUND_TRIPS = 1000
# The /_local page shows an invocation as it happens: its event stream must keep up with a human.
GOAL_CONSOLE_EVENT_MS = 2000.0
CONSOLE_EVENTS = 50
HEALTH_FUNCTION = "HealthLiveFunction"  # the main template's GET /health
# Signing out closes that session's open sockets; a stolen device must not stay connected for long.
GOAL_LOGOUT_CLOSE_MS = 1000.0
LOGOUT_RUNS = 5  # each (and a warm-up) logs in once more: auth allows 10 a minute per IP


class KeepAliveClient:
    """Sequential HTTP/1.1 GETs over one connection; reads Content-Length framed responses."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}"
        self.buffer = b""

    def get(self, path: str) -> tuple[int, bytes]:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
                          "User-Agent: plaza-bench\r\n\r\n".encode())
        return self.get_response()

    def get_response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return int(head.split(b" ", 2)[1]), rest[:length]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (ordered[len(ordered) // 2] * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


def measure(host: str, port: int, path: str = "/health", requests: int = REQUESTS,
            warmup: int = 200) -> tuple[float, float]:
    client = KeepAliveClient(host, port)
    try:
        for _ in range(warmup):
            client.get(path)
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            status, _ = client.get(path)
            samples.append(time.perf_counter() - started)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
        return percentiles(samples)
    finally:
        client.close()


async def _bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    body = b'{"status":"ok"}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def bare_floor() -> tuple[float, float]:
    """The same request answered by a bare ASGI app under uvicorn, in a thread of this process
    set up as the local cloud sets up its own server."""
    import uvicorn

    from localcloud.__main__ import event_loop_factory
    from localcloud.embedded import free_port

    port = free_port()
    loop = "uvloop" if event_loop_factory() is not None else "asyncio"
    server = uvicorn.Server(uvicorn.Config(_bare_app, host="127.0.0.1", port=port,
                                           loop=loop, http="httptools", lifespan="off",
                                           log_level="warning", access_log=False,
                                           proxy_headers=False, server_header=False))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        return measure("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(10)


def websocket_query(http_port: int) -> str:
    """The $connect query string: a demo account's access token when $connect has an authorizer
    (as an app does: log in over HTTP, then open the socket with the token)."""
    import json

    from localcloud import demo

    device = "bench-device-0001"
    client = KeepAliveClient("127.0.0.1", http_port)
    try:
        body = json.dumps({"username": demo.ACCOUNTS[0]["username"], "password": demo.PASSWORD})
        client.sock.sendall(
            f"POST /v1/auth/login HTTP/1.1\r\nHost: {client.host}\r\n"
            f"Content-Type: application/json\r\nX-Device-Id: {device}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
        status, payload = client.get_response()
    finally:
        client.close()
    if status != 200:
        return ""
    return f"token={json.loads(payload)['access_token']}&device_id={device}"


def websocket_round_trips(url: str, count: int = WS_ROUND_TRIPS,
                          warmup: int = 100) -> tuple[float, float]:
    """`{"action": "ping"}` -> the ping function posts `pong` back through @connections."""
    import json

    from websockets.sync.client import connect

    samples = []
    with connect(url, open_timeout=30, compression=None) as socket:
        for index in range(warmup + count):
            started = time.perf_counter()
            socket.send(json.dumps({"action": "ping", "id": index}))
            while True:
                reply = json.loads(socket.recv(timeout=30))
                if reply.get("id") == index:
                    break
            if index >= warmup:
                samples.append(time.perf_counter() - started)
    return percentiles(samples)


def console_event_ms(http_port: int, count: int = CONSOLE_EVENTS) -> list[float]:
    """GET /health sent -> its invocation on /_local/api/events (the stream the page reads)."""
    import json

    import httpx

    samples = []
    base = f"http://127.0.0.1:{http_port}"
    with httpx.Client(timeout=30) as events, \
            events.stream("GET", f"{base}/_local/api/events") as stream:
        lines = stream.iter_lines()
        next(line for line in lines if line.startswith(":"))  # ": connected"
        client = KeepAliveClient("127.0.0.1", http_port)
        try:
            for _ in range(count):
                started = time.perf_counter()
                client.get("/health")
                kind = None
                for line in lines:
                    if line.startswith("event: "):
                        kind = line[len("event: "):]
                    elif (line.startswith("data: ") and kind == "invocation"
                          and json.loads(line[len("data: "):])["function"] == HEALTH_FUNCTION):
                        break
                samples.append((time.perf_counter() - started) * 1000)
        finally:
            client.close()
    return samples


def logout_close_ms(ws_port: int, http_port: int, runs: int = LOGOUT_RUNS) -> list[float]:
    """POST /v1/auth/logout sent -> the session's open socket closed by the gateway (after one
    untimed run that pays the functions' cold starts)."""
    import httpx
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from localcloud import demo

    stage = websocket_api().stage
    samples = []
    with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=30) as http:
        for run in range(runs + 1):
            device = f"bench-logout-{run:04d}"
            login = http.post("/v1/auth/login", headers={"x-device-id": device}, json={
                "username": demo.ACCOUNTS[0]["username"], "password": demo.PASSWORD})
            login.raise_for_status()
            token = login.json()["access_token"]
            url = f"ws://127.0.0.1:{ws_port}/{stage}?token={token}&device_id={device}"
            with connect(url, open_timeout=30) as socket:
                started = time.perf_counter()
                http.post("/v1/auth/logout", headers={
                    "authorization": f"Bearer {token}", "x-device-id": device}).raise_for_status()
                try:
                    while True:
                        socket.recv(timeout=30)
                except ConnectionClosed:
                    samples.append((time.perf_counter() - started) * 1000)
    return samples[1:]


def websocket_api() -> Any:
    from localcloud.template import load_stack

    return next(iter(load_stack(ROOT / "template.yaml").websocket_apis.values()))


def websocket_url(ws_port: int, http_port: int) -> str:
    api = websocket_api()
    connect_route = api.routes.get("$connect")
    query = websocket_query(http_port) if connect_route and connect_route.authorizer else ""
    return f"ws://127.0.0.1:{ws_port}/{api.stage}" + (f"?{query}" if query else "")


def local_cloud_rows() -> list[dict[str, Any]]:
    """Start `python -m localcloud` on the main template; cold, warm and start-to-ready rows."""
    from localcloud.embedded import free_port

    http_port, ws_port, aws_port = free_port(), free_port(), free_port()
    # No store URLs: the run starts its own Postgres and Redis and seeds the demo accounts, as
    # `make dev` does (the WebSocket rows log in as one); only the file watcher is off.
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL")}
    env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "--no-watch", "--quiet",
         "--http-port", str(http_port), "--ws-port", str(ws_port), "--aws-port", str(aws_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "ready in" in line:
                break
        else:
            raise RuntimeError("python -m localcloud exited before it was ready")
        ready_ms = (time.perf_counter() - started) * 1000
        threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
        client = KeepAliveClient("127.0.0.1", http_port)
        cold_started = time.perf_counter()
        status, _ = client.get("/health")
        cold_ms = (time.perf_counter() - cold_started) * 1000
        client.close()
        if status != 200:
            raise RuntimeError(f"GET /health answered {status}")
        p50, p99 = measure("127.0.0.1", http_port)
        ws_p50, ws_p99 = websocket_round_trips(websocket_url(ws_port, http_port))
        console = sorted(console_event_ms(http_port))
        logout = statistics.median(logout_close_ms(ws_port, http_port))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    floor_p50, floor_p99 = bare_floor()
    ratio = p50 / floor_p50
    return [
        {"name": "local cloud GET /health warm p50", "value": round(p50, 3), "unit": "ms",
         "floor": round(floor_p50, 3), "ratio": round(ratio, 2), "goal": f"<= {GOAL_RATIO}x floor",
         "ok": ratio <= GOAL_RATIO},
        {"name": "local cloud GET /health warm p99", "value": round(p99, 3), "unit": "ms",
         "floor": round(floor_p99, 3), "goal": f"<= {GOAL_P99_MS} ms", "ok": p99 <= GOAL_P99_MS},
        {"name": "local cloud GET /health first request (cold)", "value": round(cold_ms, 1),
         "unit": "ms", "goal": f"<= {GOAL_COLD_MS:.0f} ms", "ok": cold_ms <= GOAL_COLD_MS},
        {"name": "local cloud WebSocket ping round trip p50", "value": round(ws_p50, 3),
         "unit": "ms", "goal": f"<= {GOAL_WS_P50_MS} ms", "ok": ws_p50 <= GOAL_WS_P50_MS,
         "note": "send -> ping function -> signed @connections POST -> receive"},
        {"name": "local cloud WebSocket ping round trip p99", "value": round(ws_p99, 3),
         "unit": "ms"},
        {"name": "local cloud /_local event stream: GET /health -> its invocation event p50",
         "value": round(console[len(console) // 2], 2), "unit": "ms",
         "goal": f"<= {GOAL_CONSOLE_EVENT_MS:g} ms",
         "ok": console[int(len(console) * 0.99)] <= GOAL_CONSOLE_EVENT_MS,
         "note": f"p99 {console[int(len(console) * 0.99)]:.2f} ms over {len(console)}; "
                 "the page renders what this stream sends"},
        {"name": "local cloud sign-out -> the session's socket closed (median)",
         "value": round(logout, 1), "unit": "ms", "goal": f"<= {GOAL_LOGOUT_CLOSE_MS:g} ms",
         "ok": logout <= GOAL_LOGOUT_CLOSE_MS, "runs": LOGOUT_RUNS,
         "note": "POST /v1/auth/logout -> the gateway closes the socket of that session"},
        {"name": "python -m localcloud start to ready", "value": round(ready_ms), "unit": "ms",
         "note": "starts the embedded Postgres and Redis, migrates, seeds the demo accounts"},
    ]


def rows() -> list[dict[str, Any]]:
    return local_cloud_rows()


if __name__ == "__main__":
    for row in rows():
        print(row)
