"""`make soak`: a fixed mix of traffic against a fresh local cloud for SOAK_SECONDS (60).

The local cloud runs as `python -m localcloud` in a process of its own, on stores it starts
itself, so its memory is its own and not the load generator's. 50 virtual users, each calling
from a loopback address of its own (127.0.x.y: the auth routes are limited per address), log
in, then post, like, comment, read feeds and posts and refresh their tokens at a pace within
the per-user rate limits; 1,000 WebSockets (20 per user) stay open, and each user chats with a
partner through one of their sockets every few seconds. Everything is bounded in count and time
and stays on loopback.

Reported: requests, errors (any status >= 400 or transport failure), 5xx (goal 0), p50/p99 per
route, the RSS of the local cloud's processes (itself, its Lambda containers, Postgres, Redis)
before and after the load (goal: growth <= 10%), and nothing lost: every acknowledged post and
message is in Postgres, and every post is in each follower's home feed once the fan-outs end.
`python -m bench soak` runs a shorter soak (20 s) and writes its rows to bench/results.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
DURATION_S = 60.0
BENCH_DURATION_S = 20.0
USERS = 50
SOCKETS = 1000
FOLLOWS = 5  # each user follows the next five: every post fans out to five feeds
HTTP_PAUSE_S = (0.8, 2.2)  # ~40 requests a minute per user, under the 100/min core limit
CHAT_PAUSE_S = (6.0, 14.0)  # a message every ~10 s per user: ~60 frames each, at 20 sockets
REFRESH_EVERY_S = 20.0
WARMUP_S = 20.0  # at most half the soak's duration
GOAL_GROWTH = 0.10
PASSWORD = "soak-passphrase-2026"  # noqa: S105 - throwaway accounts of a throwaway cloud
LOCAL_ADDRESS = "127.0.{}.{}"


def seconds(default: float) -> float:
    return float(os.environ.get("SOAK_SECONDS") or default)


# ------------------------------------------------------------------ the local cloud process

@dataclass
class CloudProcess:
    """`python -m localcloud` on free ports and its own stores; its URLs read from its banner."""

    process: subprocess.Popen[bytes]
    log: Path
    http_url: str
    websocket_url: str
    database_url: str

    @classmethod
    def start(cls) -> CloudProcess:
        from localcloud.embedded import free_port

        WORK.mkdir(parents=True, exist_ok=True)
        log = WORK / "soak-localcloud.log"
        env = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "REDIS_URL", "MEILI_URL")}
        env["PYTHONPATH"] = f"{ROOT / 'shared'}{os.pathsep}{ROOT}"
        ports = [str(free_port()) for _ in range(3)]
        process = subprocess.Popen(
            [sys.executable, "-m", "localcloud", "--throwaway", "--http-port", ports[0],
             "--ws-port", ports[1], "--aws-port", ports[2], "--no-demo", "--no-watch", "--quiet"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 180
        while "ready in" not in (text := log.read_text(errors="replace")):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the local cloud did not start:\n{text[-3000:]}")
            time.sleep(0.2)

        def banner(label: str) -> str:
            match = re.search(rf"^\s*{label}\s+(\S+)", text, re.MULTILINE)
            assert match, f"no {label} in the banner"
            return match.group(1).rstrip(",")

        return cls(process, log, banner("HTTP API"), banner("WebSocket API"), banner("Postgres"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                tree[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    return tree


def memory(root: int) -> dict[str, dict[str, float]]:
    """RSS (MiB) and process count of the local cloud's processes, by kind."""
    tree = _children()
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        queue.extend(tree.get(pid, []))
    groups: dict[str, dict[str, float]] = {}
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # gone meanwhile
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match is None:
            continue
        kind = ("local cloud" if pid == root else "containers" if "worker.py" in command
                else "redis" if "redis-server" in command
                else "postgres" if "postgres" in command else "other")
        group = groups.setdefault(kind, {"rss_mib": 0.0, "processes": 0})
        group["rss_mib"] += int(match.group(1)) / 1024
        group["processes"] += 1
    return groups


# ------------------------------------------------------------------ the load


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(
        lambda: defaultdict(int)))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    posts: dict[str, str] = field(default_factory=dict)  # acknowledged post id -> author id
    messages: set[str] = field(default_factory=set)  # acknowledged message ids
    sent: dict[str, float] = field(default_factory=dict)  # client_msg_id -> sent at
    frames: int = 0

    def unmeasured(self) -> dict[str, Any]:
        """The errors so far (setup, warm-up), forgetting every count: the soak starts now.
        Acknowledged posts and messages are kept: they must not be lost either."""
        errors = {route: {str(s): n for s, n in codes.items() if s >= 400}
                  for route, codes in self.statuses.items() if any(s >= 400 for s in codes)}
        errors.update({route: {"failed": n} for route, n in self.failures.items()})
        self.latencies.clear()
        self.statuses.clear()
        self.failures.clear()
        return errors

    def record(self, route: str, status: int | None, started: float) -> None:
        self.latencies[route].append((time.perf_counter() - started) * 1000)
        if status is None:
            self.failures[route] += 1
        else:
            self.statuses[route][status] += 1


@dataclass
class User:
    index: int
    username: str
    address: str
    device: str
    id: str = ""
    access: str = ""
    refresh: str = ""
    conversation: str = ""
    sockets: list[Any] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access}", "x-device-id": self.device}


async def _call(stats: Stats, client: Any, route: str, method: str, path: str,
                **options: Any) -> Any:
    started = time.perf_counter()
    try:
        response = await client.request(method, path, **options)
    except Exception:  # noqa: BLE001 - a transport failure is an error of the run, counted
        stats.record(route, None, started)
        return None
    stats.record(route, response.status_code, started)
    return response


async def _sign_in(stats: Stats, user: User, client: Any) -> None:
    await _call(stats, client, "POST /v1/auth/register", "POST", "/v1/auth/register", json={
        "email": f"{user.username}@example.edu", "password": PASSWORD, "username": user.username})
    login = await _call(stats, client, "POST /v1/auth/login", "POST", "/v1/auth/login",
                        headers={"x-device-id": user.device},
                        json={"username": user.username, "password": PASSWORD})
    if login is None or login.status_code != 200:
        raise RuntimeError(f"{user.username} could not log in: {login and login.text}")
    body = login.json()
    user.id, user.access, user.refresh = body["user"]["id"], body["access_token"], \
        body["refresh_token"]


async def _socket_reader(stats: Stats, socket: Any) -> None:
    with contextlib.suppress(Exception):
        async for raw in socket:
            stats.frames += 1
            frame = json.loads(raw)
            if frame.get("type") == "message.ack":
                sent = stats.sent.pop(frame.get("client_msg_id"), None)
                if sent is not None:
                    stats.latencies["WS message.send -> ack"].append(
                        (time.perf_counter() - sent) * 1000)
                stats.messages.add(frame["message"]["id"])
            elif frame.get("type") == "error" or "message" in frame and "connectionId" in frame:
                stats.failures["WS frames"] += 1


async def _http_user(stats: Stats, user: User, users: list[User], client: Any,
                     until: float) -> None:
    rng = random.Random(user.index)
    refreshed = time.monotonic()
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(*HTTP_PAUSE_S))
        if time.monotonic() - refreshed > REFRESH_EVERY_S:
            refreshed = time.monotonic()
            answer = await _call(stats, client, "POST /v1/auth/refresh", "POST",
                                 "/v1/auth/refresh", headers={"x-device-id": user.device},
                                 json={"refresh_token": user.refresh})
            if answer is not None and answer.status_code == 200:
                user.access, user.refresh = answer.json()["access_token"], \
                    answer.json()["refresh_token"]
            continue
        posts = list(stats.posts)
        roll = rng.random()
        if roll < 0.15 or not posts:
            created = await _call(stats, client, "POST /v1/posts", "POST", "/v1/posts",
                                  headers={**user.headers(), "idempotency-key": uuid.uuid4().hex},
                                  json={"text": f"soak post by {user.username} #soak"})
            if created is not None and created.status_code == 201:
                stats.posts[created.json()["id"]] = user.id
        elif roll < 0.40:
            await _call(stats, client, "GET /v1/feed/home", "GET", "/v1/feed/home",
                        headers=user.headers())
        elif roll < 0.60:
            await _call(stats, client, "PUT /v1/posts/{id}/like", "PUT",
                        f"/v1/posts/{rng.choice(posts)}/like", headers=user.headers())
        elif roll < 0.75:
            await _call(stats, client, "POST /v1/posts/{id}/comments", "POST",
                        f"/v1/posts/{rng.choice(posts)}/comments", headers=user.headers(),
                        json={"text": "soak comment"})
        elif roll < 0.85:
            await _call(stats, client, "GET /v1/posts/{id}", "GET",
                        f"/v1/posts/{rng.choice(posts)}", headers=user.headers())
        elif roll < 0.95:
            await _call(stats, client, "GET /v1/users/{username}/posts", "GET",
                        f"/v1/users/{rng.choice(users).username}/posts", headers=user.headers())
        else:
            await _call(stats, client, "GET /v1/feed/trending", "GET", "/v1/feed/trending",
                        headers=user.headers())


async def _chatter(stats: Stats, user: User, until: float) -> None:
    rng = random.Random(10_000 + user.index)
    number = 0
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(*CHAT_PAUSE_S))
        if time.monotonic() >= until:
            return
        number += 1
        client_msg_id = f"{user.username}-{number}"
        stats.sent[client_msg_id] = time.perf_counter()
        try:
            await rng.choice(user.sockets).send(json.dumps({
                "action": "message.send", "conversation_id": user.conversation,
                "client_msg_id": client_msg_id, "text": f"soak message {number}"}))
        except Exception:  # noqa: BLE001 - a closed socket is an error of the run
            stats.sent.pop(client_msg_id, None)
            stats.failures["WS message.send"] += 1


async def _load(cloud: CloudProcess, duration: float) -> dict[str, Any]:
    import httpx
    from websockets.asyncio.client import connect

    stats = Stats()
    suffix = uuid.uuid4().hex[:6]
    users = [User(i, f"soak{i}_{suffix}", LOCAL_ADDRESS.format(1 + i // 250, 1 + i % 250),
                  f"soak-device-{i:03d}") for i in range(USERS)]
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    clients = {user.index: httpx.AsyncClient(
        base_url=cloud.http_url, timeout=30, limits=limits,
        transport=httpx.AsyncHTTPTransport(local_address=user.address, limits=limits))
        for user in users}
    try:
        await asyncio.gather(*(_sign_in(stats, user, clients[user.index]) for user in users))
        follows = [_call(stats, clients[user.index], "PUT /v1/users/{username}/follow", "PUT",
                         f"/v1/users/{users[(user.index + step) % USERS].username}/follow",
                         headers=user.headers())
                   for user in users for step in range(1, FOLLOWS + 1)]
        await asyncio.gather(*follows)
        for first, second in zip(users[::2], users[1::2], strict=True):
            created = await _call(stats, clients[first.index], "POST /v1/conversations", "POST",
                                  "/v1/conversations", headers=first.headers(),
                                  json={"usernames": [second.username]})
            assert created is not None and created.status_code == 201, created and created.text
            first.conversation = second.conversation = created.json()["id"]

        opening = asyncio.Semaphore(40)
        readers = []

        async def open_socket(user: User) -> None:
            async with opening:
                started = time.perf_counter()
                try:
                    socket = await connect(
                        f"{cloud.websocket_url}?token={user.access}&device_id={user.device}",
                        local_addr=(user.address, 0), open_timeout=60, ping_interval=None,
                        max_size=2 ** 20)
                except Exception:  # noqa: BLE001 - counted as an error of the run
                    stats.record("WS $connect", None, started)
                    return
                stats.record("WS $connect", 101, started)
                user.sockets.append(socket)
                readers.append(asyncio.create_task(_socket_reader(stats, socket)))

        per_user = SOCKETS // USERS
        await asyncio.gather(*(open_socket(user) for user in users for _ in range(per_user)))

        async def mix(length: float) -> None:
            until = time.monotonic() + length
            await asyncio.gather(*(_http_user(stats, user, users, clients[user.index], until)
                                   for user in users),
                                 *(_chatter(stats, user, until) for user in users if user.sockets))

        # The same mix, unmeasured, until every function has the containers the load needs:
        # memory "at start" is the warm cloud's, not the empty one's.
        await mix(min(WARMUP_S, duration / 2))
        setup = stats.unmeasured()
        before = memory(cloud.process.pid)
        await mix(duration)
        # Acks still on their way: bounded.
        deadline = time.monotonic() + 30
        while stats.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if stats.sent:
            stats.failures["WS message.send (no ack)"] = len(stats.sent)
        after = memory(cloud.process.pid)
        open_sockets = sum(len(user.sockets) for user in users)
        for user in users:
            for socket in user.sockets:
                with contextlib.suppress(Exception):
                    await socket.close()
        for reader in readers:
            reader.cancel()
        return {"stats": stats, "users": users, "before": before, "after": after,
                "sockets": open_sockets, "setup": setup}
    finally:
        for client in clients.values():
            await client.aclose()


def _lost(database_url: str, stats: Stats, users: list[User]) -> dict[str, int]:
    """What the run acknowledged but Postgres lacks, once the fan-outs had up to 60 s to end."""
    import psycopg

    followers: dict[str, list[str]] = {user.id: [] for user in users}
    for user in users:
        for step in range(1, FOLLOWS + 1):
            followers[users[(user.index + step) % USERS].id].append(user.id)
    posts = list(stats.posts)
    with psycopg.connect(database_url, autocommit=True) as conn:
        stored_posts = {str(row[0]) for row in conn.execute(
            "SELECT id FROM posts WHERE id = ANY(%s::uuid[])", (posts,))}
        stored_messages = {str(row[0]) for row in conn.execute(
            "SELECT id FROM messages WHERE id = ANY(%s::uuid[])", (list(stats.messages),))}
        expected = {(reader, post) for post, author in stats.posts.items()
                    for reader in followers[author]}
        deadline = time.monotonic() + 60
        while True:
            entries = {(str(reader), str(post)) for reader, post in conn.execute(
                "SELECT user_id, post_id FROM home_feed_entries WHERE post_id = ANY(%s::uuid[])",
                (posts,))}
            missing = expected - entries
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    return {"posts": len(set(posts) - stored_posts),
            "messages": len(stats.messages - stored_messages),
            "feed entries": len(missing), "feed entries expected": len(expected)}


def _raise_fd_limit() -> None:
    # 1,000 sockets here, and as many again in the local cloud, which inherits the limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def run(duration: float) -> list[dict[str, Any]]:
    """Start a fresh local cloud, soak it for `duration` seconds, stop it; the rows."""
    _raise_fd_limit()
    cloud = CloudProcess.start()
    try:
        outcome = asyncio.run(_load(cloud, duration))
        lost = _lost(cloud.database_url, outcome["stats"], outcome["users"])
    finally:
        cloud.stop()
    return _rows(outcome, lost, duration)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1)


def _rows(outcome: dict[str, Any], lost: dict[str, int], duration: float) -> list[dict[str, Any]]:
    stats: Stats = outcome["stats"]
    http_routes = {route for route in stats.statuses.keys() | stats.failures.keys()
                   if not route.startswith("WS ")}
    requests = sum(sum(codes.values()) for codes in stats.statuses.values()) + sum(
        count for route, count in stats.failures.items() if route in http_routes)
    errors = sum(count for codes in stats.statuses.values()
                 for status, count in codes.items() if status >= 400) + sum(
        stats.failures.values())
    server_errors = sum(count for codes in stats.statuses.values()
                        for status, count in codes.items() if status >= 500)
    mix = (f"{duration:.0f} s after a warm-up of {min(WARMUP_S, duration / 2):.0f} s, "
           f"{USERS} users from their own loopback addresses, "
           f"{outcome['sockets']} WebSockets open")
    rows = [
        report.row("soak requests", requests, "count", note=mix,
                   ws_messages_acked=len(stats.messages), ws_frames_received=stats.frames),
        report.row("soak errors", errors, "count", goal="0",
                   by_route={route: {str(s): n for s, n in codes.items() if s >= 400}
                             for route, codes in stats.statuses.items()
                             if any(s >= 400 for s in codes)} or None,
                   failures=dict(stats.failures) or None,
                   before_the_soak=json.dumps(outcome["setup"]) if outcome["setup"] else None),
        report.row("soak 5xx", server_errors, "count", goal="0", ok=server_errors == 0),
    ]
    for route in sorted(stats.latencies):
        samples = stats.latencies[route]
        rows.append(report.row(f"soak {route} p50", _percentile(samples, 0.5), "ms",
                               p99=_percentile(samples, 0.99), count=len(samples)))
    before, after = outcome["before"], outcome["after"]
    for kind in sorted(before.keys() | after.keys()):
        start = before.get(kind, {"rss_mib": 0.0, "processes": 0})
        end = after.get(kind, {"rss_mib": 0.0, "processes": 0})
        rows.append(_growth_row(f"soak memory {kind}", start, end, judged_per_process=True))
    total_start = {"rss_mib": sum(g["rss_mib"] for g in before.values()),
                   "processes": sum(g["processes"] for g in before.values())}
    total_end = {"rss_mib": sum(g["rss_mib"] for g in after.values()),
                 "processes": sum(g["processes"] for g in after.values())}
    rows.append(_growth_row("soak memory total", total_start, total_end))
    lost_count = lost["posts"] + lost["messages"] + lost["feed entries"]
    rows.append(report.row("soak lost", lost_count, "count", goal="0", ok=lost_count == 0,
                           posts_acked=len(stats.posts), posts_missing=lost["posts"],
                           messages_acked=len(stats.messages),
                           messages_missing=lost["messages"],
                           feed_entries_expected=lost["feed entries expected"],
                           feed_entries_missing=lost["feed entries"]))
    return rows


def _growth_row(name: str, start: dict[str, float], end: dict[str, float],
                judged_per_process: bool = False) -> dict[str, Any]:
    """RSS growth of a group of processes. The issue's goal is each process's memory: a group
    (containers, Postgres backends) is judged by its growth per process, since the load starting
    more of them is not a leak; the total row is judged as a whole."""
    growth = (end["rss_mib"] - start["rss_mib"]) / start["rss_mib"] if start["rss_mib"] else None
    per_start, per_end = _per_process(start), _per_process(end)
    per_process = (per_end - per_start) / per_start if per_start else None
    judged = per_process if judged_per_process else growth
    return report.row(name, None if growth is None else round(growth * 100, 1), "% RSS growth",
                      start_mib=round(start["rss_mib"], 1), end_mib=round(end["rss_mib"], 1),
                      processes=f"{int(start['processes'])} -> {int(end['processes'])}",
                      # More containers (and their Postgres backends) under load are not a leak;
                      # growth per process is.
                      mib_per_process=f"{per_start:.1f} -> {per_end:.1f}",
                      growth_per_process=None if per_process is None
                      else f"{per_process:.1%}",
                      goal=f"<= {GOAL_GROWTH:.0%}" + (" per process" if judged_per_process else ""),
                      ok=judged is not None and judged <= GOAL_GROWTH)


def _per_process(group: dict[str, float]) -> float:
    return group["rss_mib"] / group["processes"] if group["processes"] else 0.0


def rows() -> list[dict[str, Any]]:
    """The bench topic: a shorter soak (SOAK_SECONDS overrides)."""
    return run(seconds(BENCH_DURATION_S))


def main() -> int:
    duration = seconds(DURATION_S)
    print(f"soak: {duration:.0f} s against a fresh local cloud ...", file=sys.stderr, flush=True)
    result = run(duration)
    print(report.markdown(result))
    failed = [item["name"] for item in result if item.get("ok") is False]
    if failed:
        print(f"\ngoals missed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
