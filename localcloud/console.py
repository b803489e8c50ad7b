"""The /_local page: what the local cloud serves and what just happened in it, updated live.

The HTTP API hands every request under `/_local` to this ASGI app (`cloud.console_app`):
  GET  /_local               the page (static HTML, JS and CSS in static/, no build step)
  GET  /_local/api/state     a JSON snapshot: stack, `cloud.status` sections, recent records
  GET  /_local/api/events    Server-Sent Events, one per recorder record
  POST /_local/api/schedules/{name}/run           fire a schedule now
  POST /_local/api/queues/{name}/send             send the body as a message
  POST /_local/api/queues/{name}/redrive          move a queue's dead letters back
  POST /_local/api/state-machines/{name}/start    start an execution on the JSON body
The recorder is subscribed to only while a page is open, so an idle console costs the invoke
path nothing. The HTTP API has refused any request whose Host is not loopback (or allowed) before
it gets here, so a page elsewhere cannot reach this one by DNS rebinding.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plaza import errors

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {
    "": ("console.html", "text/html; charset=utf-8"),
    "/": ("console.html", "text/html; charset=utf-8"),
    "/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console.css": ("console.css", "text/css; charset=utf-8"),
}
# Page action -> the component methods that perform it, by preference. Each takes the target's
# name; "send_message" also the request body (the message), "start_execution" the JSON input.
ACTIONS = {
    "run_schedule": ("trigger_schedule", "trigger"),
    "redrive_queue": ("redrive",),
    "send_message": ("trigger_queue",),
    "start_execution": ("start_execution",),
}
# POST /_local/api/{collection}/{name}/{verb} -> action
ACTION_PATHS = {
    ("schedules", "run"): "run_schedule",
    ("queues", "redrive"): "redrive_queue",
    ("queues", "send"): "send_message",
    ("state-machines", "start"): "start_execution",
}
MAX_ACTION_BODY = 256 * 1024  # SQS's message limit; also plenty for an execution's input
RECORD_KINDS = ("invocation", "connection", "queue", "execution", "outbox", "schedule")
RECENT = 200
MAX_LOG_LINES = 400  # per invocation in a snapshot; a chatty handler must not bloat the page
HEARTBEAT = 15.0  # seconds between SSE comments, so proxies and browsers keep the stream open
BACKLOG = 1000  # events queued per page before it is told to resync instead
# Browsers cannot send a custom header cross-site without a CORS preflight we never answer,
# so requiring it keeps other sites from pressing the page's buttons.
ACTION_HEADER = b"x-localcloud-console"
_SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"connect-src 'self'; frame-ancestors 'none'"),
]


class Console:
    """Component: mounts the page on the HTTP API and streams the recorder to open pages."""

    name = "console"

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.streams: set[asyncio.Queue[tuple[str, dict[str, Any]] | None]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._assets: dict[str, bytes] = {}

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self.cloud.console_app = self

    async def stop(self) -> None:
        if self.cloud.console_app is self:
            self.cloud.console_app = None
        for stream in list(self.streams):
            stream.put_nowait(None)  # ends the response, so the HTTP server can shut down
        self._listen(False)

    # ------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-able data; a failing section reports its error."""
        recorder = self.cloud.recorder
        status: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, reader in list(self.cloud.status.items()):
            try:
                status[key] = reader()
            except Exception as error:  # noqa: BLE001 - one broken section must not blank the page
                errors[key] = f"{type(error).__name__}: {error}"
        recent = {kind: recorder.recent(kind, RECENT) for kind in RECORD_KINDS}
        recent["invocation"] = [_trim_logs(item) for item in recent["invocation"]]
        endpoints = self.cloud.endpoints
        return {
            "template": str(self.cloud.config.template),
            "environment": self.cloud.config.environment,
            "endpoints": {"http": endpoints.http_url, "websocket": endpoints.websocket_url,
                          "aws": endpoints.aws_endpoint},
            "functions": self.function_listing(),
            "http_routes": self.http_route_listing(),
            "websocket_routes": self.websocket_route_listing(),
            "state_machines": [
                {"logical_id": m.logical_id, "name": m.name, "type": m.type,
                 "states": _states_in_flow_order(m.definition)}
                for m in getattr(self.cloud.stack, "state_machines", {}).values()],
            "status": status,
            "status_errors": errors,
            "recent": recent,
            "actions": {action: self._action_target(action) is not None for action in ACTIONS},
        }

    def function_listing(self) -> list[dict[str, Any]]:
        stack = self.cloud.stack
        runtime = self.cloud.runtime
        pools = runtime.pools if runtime is not None else {}
        triggers: dict[str, list[str]] = {}
        for api in stack.http_apis.values():
            for route in api.routes:
                triggers.setdefault(route.function, []).append(route.route_key)
            for authorizer in api.authorizers.values():
                triggers.setdefault(authorizer.function, []).append(f"authorizer {authorizer.name}")
        for ws_api in stack.websocket_apis.values():
            for ws_route in ws_api.routes.values():
                if ws_route.function:
                    triggers.setdefault(ws_route.function, []).append(f"ws {ws_route.route_key}")
                if ws_route.authorizer is not None:
                    triggers.setdefault(ws_route.authorizer.function, []).append(
                        f"authorizer {ws_route.authorizer.name}")
        for source in getattr(stack, "sqs_sources", []):
            queue = stack.queues.get(source.queue)
            triggers.setdefault(source.function, []).append(
                f"sqs {queue.name if queue else source.queue}")
        for s3_source in getattr(stack, "s3_sources", []):
            triggers.setdefault(s3_source.function, []).append(f"s3 {s3_source.bucket}")
        for schedule in getattr(stack, "schedules", []):
            if schedule.function:
                triggers.setdefault(schedule.function, []).append(
                    f"schedule {schedule.expression}")
        for machine in getattr(stack, "state_machines", {}).values():
            definition = json.dumps(machine.definition)
            for spec in stack.functions.values():
                # Task states name their function by ARN (…:function:<name>[:qualifier]) or name.
                if re.search(rf'(:function:|"){re.escape(spec.name)}[":]', definition):
                    triggers.setdefault(spec.logical_id, []).append(
                        f"state machine {machine.logical_id}")
        rows = []
        for spec in stack.functions.values():
            pool = pools.get(spec.logical_id)
            rows.append({
                "logical_id": spec.logical_id, "name": spec.name, "handler": spec.handler,
                "code_dir": str(spec.code_dir), "runtime": spec.runtime,
                "timeout": spec.timeout, "memory": spec.memory,
                "warm": len(pool.idle) if pool is not None else 0,
                "containers": len(pool.live) if pool is not None else 0,
                "triggers": sorted(set(triggers.get(spec.logical_id, []))),
            })
        return rows

    def http_route_listing(self) -> list[dict[str, Any]]:
        return [{"api": api.logical_id, "method": route.method, "path": route.path,
                 "route": route.route_key, "function": route.function,
                 "authorizer": route.authorizer, "timeout": route.timeout}
                for api in self.cloud.stack.http_apis.values() for route in api.routes]

    def websocket_route_listing(self) -> list[dict[str, Any]]:
        return [{"api": api.logical_id, "stage": api.stage, "route": route.route_key,
                 "function": route.function, "two_way": route.two_way,
                 "authorizer": route.authorizer.name if route.authorizer else None}
                for api in self.cloud.stack.websocket_apis.values()
                for route in api.routes.values()]

    def _action_target(self, action: str) -> Callable[..., Awaitable[Any]] | None:
        """The component method behind an action, whichever component offers it."""
        for method in ACTIONS[action]:
            for component in self.cloud.components:
                target = getattr(component, method, None)
                if callable(target):
                    return target
        return None

    # ------------------------------------------------------------ live events

    def _listen(self, on: bool) -> None:
        if on and self._unsubscribe is None:
            self._unsubscribe = self.cloud.recorder.subscribe(self._heard)
        elif not on and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _heard(self, kind: str, entry: dict[str, Any]) -> None:
        """A recorder listener: runs on whichever thread recorded (the loop, moto, a consumer)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._fan_out(kind, entry)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed in between: nobody to tell
                loop.call_soon_threadsafe(self._fan_out, kind, entry)

    def _fan_out(self, kind: str, entry: dict[str, Any]) -> None:
        for stream in list(self.streams):
            if stream.qsize() >= BACKLOG:
                continue  # the page is not reading; it resyncs from the snapshot when it does
            stream.put_nowait((kind, entry))

    async def _events(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()
        self.streams.add(stream)
        self._listen(True)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"x-accel-buffering", b"no"), *_SECURITY_HEADERS]})
        # The retry hint keeps a reconnecting page from hammering a cloud that is restarting.
        await send({"type": "http.response.body", "body": b"retry: 1000\n: connected\n\n",
                    "more_body": True})
        gone = asyncio.create_task(_disconnected(receive))
        closing = False
        try:
            while not closing and not gone.done():
                getter = asyncio.create_task(stream.get())
                done, _ = await asyncio.wait({getter, gone}, timeout=HEARTBEAT,
                                             return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    if not gone.done():
                        await send({"type": "http.response.body", "body": b": heartbeat\n\n",
                                    "more_body": True})
                    continue
                chunks: list[bytes] = []
                item = getter.result()
                while item is not None:
                    chunks.append(_sse(*item))
                    if stream.empty():
                        break
                    item = stream.get_nowait()
                closing = item is None
                if chunks:
                    await send({"type": "http.response.body", "body": b"".join(chunks),
                                "more_body": True})
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b""})
        except OSError:
            pass  # the page went away mid-write
        finally:
            gone.cancel()
            self.streams.discard(stream)
            if not self.streams:
                self._listen(False)

    # ------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        sub = scope["path"][len("/_local"):]
        method = scope["method"]
        if method in ("GET", "HEAD") and sub in ASSETS:
            await self._asset(send, *ASSETS[sub], head=method == "HEAD")
        elif method == "GET" and sub == "/api/state":
            body = json.dumps(self.snapshot(), default=str).encode()
            await _respond(send, 200, body, b"application/json")
        elif method == "GET" and sub == "/api/events":
            await self._events(scope, receive, send)
        elif sub.startswith("/api/"):
            await self._action(scope, receive, send, sub)
        else:
            await _problem(send, scope, errors.NotFound(f"Nothing at {scope['path']}"))

    async def _asset(self, send: Send, name: str, content_type: str, head: bool) -> None:
        body = self._assets.get(name)
        if body is None:
            # Read once per cloud: a restarted `make dev` serves an edited page, no build step.
            body = self._assets[name] = (STATIC / name).read_bytes()
        await _respond(send, 200, b"" if head else body, content_type.encode(),
                       length=len(body))

    async def _action(self, scope: Scope, receive: Receive, send: Send, sub: str) -> None:
        parts = sub.strip("/").split("/")  # api, collection, name, verb
        action = ACTION_PATHS.get((parts[1], parts[3])) if len(parts) == 4 else None
        if action is None:
            await _problem(send, scope, errors.NotFound(f"Nothing at {scope['path']}"))
            return
        if scope["method"] != "POST":
            await _problem(send, scope, errors.MethodNotAllowed("Use POST"))
            return
        if not any(name == ACTION_HEADER for name, _ in scope["headers"]):
            await _problem(send, scope, errors.Forbidden(
                f"Send the {ACTION_HEADER.decode()} header to act from a script"))
            return
        body = await _read_body(receive)
        if body is None:
            await _problem(send, scope, errors.PayloadTooLarge(
                f"The body is larger than {MAX_ACTION_BODY} bytes"))
            return
        target = self._action_target(action)
        if target is None:
            await _problem(send, scope, errors.NotFound("This local cloud cannot do that"))
            return
        arguments: list[Any] = [parts[2]]  # the server has percent-decoded the path
        if action == "send_message":
            arguments.append(body.decode("utf-8", "replace") or "{}")
        elif action == "start_execution":
            try:
                arguments.append(json.loads(body) if body.strip() else {})
            except ValueError:
                await _problem(send, scope, errors.BadRequest("The input is not valid JSON"))
                return
        try:
            result = await target(*arguments)
        except LookupError as error:
            await _problem(send, scope, errors.NotFound(str(error).strip("'\"")))
            return
        except Exception as error:  # noqa: BLE001 - fired, but the target failed: say why
            body = json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}).encode()
        else:
            body = json.dumps({"ok": True, "result": result}, default=str).encode()
        await _respond(send, 200, body, b"application/json")


def _trim_logs(item: dict[str, Any]) -> dict[str, Any]:
    logs = item.get("logs") or []
    if len(logs) <= MAX_LOG_LINES:
        return item
    dropped = len(logs) - MAX_LOG_LINES
    return {**item, "logs": [f"... {dropped} earlier lines not shown", *logs[-MAX_LOG_LINES:]]}


def _sse(kind: str, entry: dict[str, Any]) -> bytes:
    data = json.dumps(entry, default=str, separators=(",", ":"))
    # json.dumps escapes newlines, so `data` is one line, as SSE requires.
    return f"id: {entry.get('seq', '')}\nevent: {kind}\ndata: {data}\n\n".encode()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None past MAX_ACTION_BODY."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > MAX_ACTION_BODY:
            return None
        if not message.get("more_body"):
            return body


async def _respond(send: Send, status: int, body: bytes, content_type: bytes,
                   length: int | None = None) -> None:
    headers = [(b"content-type", content_type),
               (b"content-length", str(len(body) if length is None else length).encode()),
               *_SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Send, scope: Scope, error: errors.PlazaError) -> None:
    body = json.dumps(error.problem(instance=scope["path"])).encode()
    await _respond(send, error.status, body, b"application/problem+json")


def _states_in_flow_order(definition: dict[str, Any]) -> list[str]:
    """State names from `StartAt` along each transition, then any unreached: the order a
    reader follows (SAM deploys an inline definition with its keys sorted)."""
    states = definition.get("States") or {}
    ordered: list[str] = []
    pending = [definition.get("StartAt")]
    while pending:
        name = pending.pop(0)
        if name not in states or name in ordered:
            continue
        ordered.append(name)
        state = states[name]
        pending.extend(choice.get("Next") for choice in state.get("Choices") or [])
        pending.extend([state.get("Next"), state.get("Default")])
        pending.extend(catch.get("Next") for catch in state.get("Catch") or [])
    return ordered + [name for name in states if name not in ordered]
