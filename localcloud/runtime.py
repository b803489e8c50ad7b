"""Lambda semantics on one machine: warm containers, one invocation each at a time.

Each function has a snapshot: a `worker.py` process with the function's environment that
imported the handler once (its init) and ran the before-snapshot hooks. A container is a fork of
it that ran the after-restore hooks, the way SnapStart restores an execution environment instead
of starting an interpreter, and keeps module state between invocations. A function gets more
containers when it is invoked concurrently (up to its reserved concurrency, else
`max_containers`); a timeout kills the container, and one left idle for `idle_s` is retired, as
Lambda does (a snapshot unused that long too). `reload()` retires every container and snapshot,
so the next call imports fresh code.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future as ThreadFuture
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud import request_log
from localcloud.recorder import Invocation, Recorder
from localcloud.template.account import REGION
from localcloud.template.stack import FunctionSpec, Stack

try:  # orjson, when installed, takes a third of the warm invoke's JSON time
    import orjson
except ImportError:  # pragma: no cover - the dev group installs it
    orjson = None  # type: ignore[assignment]

_HEADER = struct.Struct(">I")
WORKER = Path(__file__).resolve().parent / "worker.py"
PYCACHE = os.path.join(tempfile.gettempdir(), f"plaza-localcloud-pycache-{os.getuid()}")
INIT_TIMEOUT = 10.0  # Lambda gives a function's init phase 10 s
# Lambda freezes an idle environment and reclaims it after minutes; here it holds a process (and
# its Postgres and Redis connections), so one unused for this long is stopped.
CONTAINER_IDLE_S = 300.0
# Variables a container inherits from the local cloud's own environment.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "TMPDIR")


class FunctionError(Exception):
    """The handler raised (or its container failed); carries Lambda's error payload."""

    def __init__(self, function: str, error_type: str, message: str,
                 stack_trace: list[str] | None = None) -> None:
        super().__init__(f"{function}: {error_type}: {message}")
        self.function = function
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []

    def payload(self) -> dict[str, Any]:
        return {"errorType": self.error_type, "errorMessage": self.message,
                "stackTrace": self.stack_trace}


class FunctionTimeout(FunctionError):
    def __init__(self, function: str, seconds: float) -> None:
        super().__init__(function, "Sandbox.Timedout", f"Task timed out after {seconds:.2f} seconds")


class UnknownFunction(LookupError):
    pass


@dataclass
class _Pending:
    invocation: Invocation
    future: asyncio.Future[dict[str, Any]]


class _FrameProtocol(asyncio.Protocol):
    """Reads the container's frames as they arrive and hands each to the container at once:
    no reader task in between, so a result wakes its caller one loop turn sooner."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= 4:
            size = _HEADER.unpack_from(buffer)[0]
            if len(buffer) < 4 + size:
                return
            message = _loads(bytes(buffer[4:4 + size]))
            del buffer[:4 + size]
            self.container.on_message(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.container.on_exit()


class Container:
    """One worker process serving one function."""

    _ids = itertools.count(1)

    def __init__(self, runtime: LambdaRuntime, spec: FunctionSpec) -> None:
        self.runtime = runtime
        self.spec = spec
        self.id = next(self._ids)
        self.generation = runtime.generation
        self.process: asyncio.subprocess.Process | RestoredProcess | None = None
        self.writer: asyncio.WriteTransport | None = None
        self.pending: _Pending | None = None
        self.ready: asyncio.Future[dict[str, Any]] | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.init_ms = 0.0
        self.idle_since = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        try:
            self.process = await self._restore(
                (to_child_read, from_child_write, stdout_write, stderr_write))
        except BaseException:
            for fd in (to_child_write, from_child_read, stdout_read, stderr_read):
                os.close(fd)
            raise
        finally:
            for fd in (to_child_read, from_child_write, stdout_write, stderr_write):
                os.close(fd)
        self.ready = loop.create_future()
        await loop.connect_read_pipe(lambda: _FrameProtocol(self),
                                     os.fdopen(from_child_read, "rb", buffering=0))
        self.writer, _ = await loop.connect_write_pipe(
            asyncio.Protocol, os.fdopen(to_child_write, "wb", buffering=0))
        self.tasks = [asyncio.create_task(self._read_raw(await _pipe_reader(fd)))
                      for fd in (stdout_read, stderr_read)]
        await self._until_ready()

    async def _restore(self, fds: tuple[int, int, int, int]) -> RestoredProcess:
        env = {"AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}"}
        snapshot = await self.runtime.snapshot(self.spec)
        try:
            process = await snapshot.restore(fds, env)
        except FunctionError:
            if snapshot.alive and self.runtime.snapshots.get(self.spec.logical_id) is snapshot:
                raise
            # The snapshot died (killed), or was let go meanwhile (a reload, idle): once more
            # from a new one.
            self.runtime.forget_snapshot(snapshot)
            snapshot = await self.runtime.snapshot(self.spec)
            process = await snapshot.restore(fds, env)
        self.generation = snapshot.generation
        return process

    async def spawn(self, extra_env: dict[str, str], extra_fds: tuple[int, ...]) -> None:
        """Start worker.py as a fresh interpreter that imports the handler (a snapshot's init)."""
        loop = asyncio.get_running_loop()
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        env = self.runtime.container_environment(self.spec)
        env.update(extra_env)
        env["LOCALCLOUD_READ_FD"] = str(to_child_read)
        env["LOCALCLOUD_WRITE_FD"] = str(from_child_write)
        try:
            process = await asyncio.create_subprocess_exec(
                self.runtime.python, "-X", "frozen_modules=on", str(WORKER),
                env=env, cwd=str(self.spec.code_dir),
                pass_fds=(to_child_read, from_child_write, *extra_fds),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                # Out of the terminal's process group: Ctrl-C goes to the cloud, which stops
                # the containers itself, instead of a KeyboardInterrupt traceback from each.
                start_new_session=True,
            )
        finally:
            os.close(to_child_read)
            os.close(from_child_write)
        self.process = process
        self.ready = loop.create_future()
        await loop.connect_read_pipe(lambda: _FrameProtocol(self),
                                     os.fdopen(from_child_read, "rb", buffering=0))
        self.writer, _ = await loop.connect_write_pipe(
            asyncio.Protocol, os.fdopen(to_child_write, "wb", buffering=0))
        assert process.stdout and process.stderr
        self.tasks = [
            asyncio.create_task(self._read_raw(process.stdout)),
            asyncio.create_task(self._read_raw(process.stderr)),
        ]
        await self._until_ready()

    async def _until_ready(self) -> None:
        assert self.ready is not None
        try:
            hello = await asyncio.wait_for(asyncio.shield(self.ready), INIT_TIMEOUT)
        except TimeoutError:
            await self.stop()
            raise FunctionError(self.spec.logical_id, "Runtime.InitTimeout",
                                f"init did not finish in {INIT_TIMEOUT:.0f} s") from None
        if hello.get("type") == "init_error":
            await self.stop()
            raise FunctionError(self.spec.logical_id, f"Runtime.ImportModuleError:{hello['errorType']}",
                                hello.get("errorMessage", ""), hello.get("stackTrace"))
        self.init_ms = float(hello.get("init_ms", 0.0))

    def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "result":
            pending = self.pending
            if pending is not None and not pending.future.done():
                pending.future.set_result(message)
        elif kind == "log":
            self._log(message.get("line", ""), message.get("request_id", ""))
        elif kind in ("ready", "init_error") and self.ready and not self.ready.done():
            self.ready.set_result(message)

    async def _read_raw(self, stream: asyncio.StreamReader) -> None:
        # Output written below Python's sys.stdout (C extensions, subprocesses).
        with contextlib.suppress(ValueError, ConnectionError):
            async for raw in stream:
                pending = self.pending
                self._log(raw.decode(errors="replace").rstrip("\n"),
                          pending.invocation.request_id if pending else "")

    def _log(self, line: str, request_id: str) -> None:
        pending = self.pending
        if pending and (not request_id or request_id == pending.invocation.request_id):
            pending.invocation.logs.append(line)
        self.runtime.echo(self.spec.logical_id, request_id, line)

    def on_exit(self) -> None:
        if self.ready and not self.ready.done():
            self.ready.set_result({"type": "init_error", "errorType": "Runtime.ExitError",
                                   "errorMessage": "the container exited during init"})
        if self.pending and not self.pending.future.done():
            code = self.process.returncode if self.process else None
            self.pending.future.set_result({
                "type": "result", "ok": False, "errorType": "Runtime.ExitError",
                "errorMessage": f"the container exited (code {code}) during the invocation",
            })

    async def invoke(self, invocation: Invocation, event: Any, timeout: float) -> Any:
        assert self.writer is not None
        loop = asyncio.get_running_loop()
        self.pending = _Pending(invocation, loop.create_future())
        data = _dumps({"type": "invoke", "id": invocation.request_id,
                       "request_id": invocation.request_id, "event": event,
                       "deadline": time.time() + timeout})
        self.writer.write(_HEADER.pack(len(data)) + data)
        # A timer on the future costs less than wait_for's extra task on every call.
        future = self.pending.future
        timer = loop.call_later(timeout, _expire, future)
        try:
            result = await future
        except TimeoutError:
            await self.stop()
            raise FunctionTimeout(self.spec.logical_id, timeout) from None
        finally:
            timer.cancel()
            self.pending = None
        if not result.get("ok"):
            raise FunctionError(self.spec.logical_id, result.get("errorType", "Error"),
                                result.get("errorMessage", ""), result.get("stackTrace"))
        return result.get("value")

    async def stop(self) -> None:
        if self.writer is not None and self.alive:
            with contextlib.suppress(Exception):
                data = json.dumps({"type": "stop"}).encode()
                self.writer.write(_HEADER.pack(len(data)) + data)
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.process.wait(), 5)
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        for task in self.tasks:
            task.cancel()
        self.writer = None


async def _pipe_reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                 os.fdopen(fd, "rb", buffering=0))
    return reader


class RestoredProcess:
    """A container's process, forked by its snapshot (so not our child): killed and watched
    through a pidfd, its exit status reported by the snapshot that reaps it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.exited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.pidfd: int | None = None
        try:
            self.pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.set_exited(-signal.SIGKILL)
            return
        asyncio.get_running_loop().add_reader(self.pidfd, self._pidfd_readable)

    def _pidfd_readable(self) -> None:
        # Readable once the process has exited; the snapshot's report (with the real status)
        # may come a moment later and overwrites this guess.
        self.set_exited(self.returncode if self.returncode is not None else -signal.SIGKILL)

    def set_exited(self, code: int, reported: bool = False) -> None:
        if self.returncode is None or reported:
            self.returncode = code
        if not self.exited.done():
            self.exited.set_result(code)
        if self.pidfd is not None:
            asyncio.get_running_loop().remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None

    def kill(self) -> None:
        if self.pidfd is None:
            raise ProcessLookupError(self.pid)
        signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    async def wait(self) -> int:
        return await asyncio.shield(self.exited)


class Snapshot:
    """A function's pre-initialised process (worker.py with LOCALCLOUD_FORK_FD): its handler
    imported and the before-snapshot hooks run, it forks one restored container per request."""

    def __init__(self, runtime: LambdaRuntime, spec: FunctionSpec) -> None:
        self.runtime = runtime
        self.spec = spec
        self.generation = runtime.generation
        self.process: asyncio.subprocess.Process | None = None
        self.socket: socket.socket | None = None
        self.control: Container | None = None
        self.forks = 0
        self.last_used = time.monotonic()
        self.init_ms = 0.0
        self._ids = itertools.count(1)
        self._forking: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._children: dict[int, RestoredProcess] = {}
        self._reports: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        """Start the process and wait for its init; FunctionError when the init fails."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Its init logs and its ready / init_error frame come on control pipes, as a
        # container's do: a Container without an invocation reads them.
        self.control = Container(self.runtime, self.spec)
        try:
            await self.control.spawn({"LOCALCLOUD_FORK_FD": str(theirs.fileno())},
                                     (theirs.fileno(),))
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.process = self.control.process  # type: ignore[assignment]
        ours.setblocking(False)
        self.socket = ours
        self.init_ms = self.control.init_ms
        self.last_used = time.monotonic()  # not idle from before its init finished
        self._reports = asyncio.create_task(self._read_reports())

    async def _read_reports(self) -> None:
        loop = asyncio.get_running_loop()
        assert self.socket is not None
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while True:
                data = await loop.sock_recv(self.socket, 65536)
                if not data:
                    break
                report = _loads(data)
                if report.get("type") in ("forked", "fork_error"):
                    waiter = self._forking.pop(report.get("id"), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(report)
                elif report.get("type") == "exited":
                    child = self._children.pop(int(report["pid"]), None)
                    if child is not None:
                        child.set_exited(int(report["code"]), reported=True)
        for waiter in self._forking.values():
            if not waiter.done():
                waiter.set_result({"type": "fork_error", "errorMessage": "the snapshot exited"})
        self._forking.clear()

    async def restore(self, fds: tuple[int, int, int, int],
                      env: dict[str, str]) -> RestoredProcess:
        """Fork a container that reads and writes on `fds` (its control pipe ends, then its raw
        stdout and stderr); raises FunctionError when the snapshot cannot fork."""
        if self.socket is None or not self.alive:
            raise FunctionError(self.spec.logical_id, "Runtime.ExitError", "the snapshot exited")
        loop = asyncio.get_running_loop()
        request_id = next(self._ids)
        waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._forking[request_id] = waiter
        self.last_used = time.monotonic()
        message = _dumps({"type": "fork", "id": request_id, "env": env})
        try:
            # One small packet on a socket the snapshot drains at once: never blocks for long.
            self.socket.setblocking(True)
            try:
                socket.send_fds(self.socket, [message], list(fds))
            finally:
                self.socket.setblocking(False)
        except OSError as error:
            self._forking.pop(request_id, None)
            raise FunctionError(self.spec.logical_id, "Runtime.ExitError",
                                f"the snapshot is gone: {error}") from None
        report = await asyncio.wait_for(waiter, INIT_TIMEOUT)
        if report.get("type") != "forked":
            raise FunctionError(self.spec.logical_id, "Runtime.ExitError",
                                report.get("errorMessage", "the snapshot could not fork"))
        self.forks += 1
        child = RestoredProcess(int(report["pid"]))
        if child.returncode is None:
            self._children[child.pid] = child
        return child

    async def stop(self, *, wait_for_containers: bool = False) -> None:
        """Stop the snapshot. With `wait_for_containers`, it only stops forking and exits by
        itself once the containers restored from it have (it reaps them); else it is killed
        and they run on until they are stopped."""
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        if self._reports is not None:
            self._reports.cancel()
            await asyncio.gather(self._reports, return_exceptions=True)
            self._reports = None
        # Nobody reports its containers' exits now: their pidfds still tell.
        self._children.clear()
        if self.control is not None and not wait_for_containers:
            await self.control.stop()


def _dumps(message: dict[str, Any]) -> bytes:
    if orjson is not None:
        try:
            return orjson.dumps(message)
        except TypeError:  # what only json encodes (keys that are not strings, huge ints)
            pass
    return json.dumps(message, separators=(",", ":")).encode()


def _loads(data: bytes) -> Any:
    if orjson is not None:
        try:
            return orjson.loads(data)
        except ValueError:  # NaN and the like, which json reads
            pass
    return json.loads(data)


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class _Pool:
    """The containers of one function: idle ones are reused newest first (the warmest)."""

    def __init__(self, runtime: LambdaRuntime, spec: FunctionSpec, limit: int) -> None:
        self.runtime = runtime
        self.spec = spec
        self.limit = limit
        self.idle: list[Container] = []
        self.live: set[Container] = set()
        self.count = 0
        self.waiting = 0
        self.changed = asyncio.Condition()

    async def acquire(self) -> tuple[Container, bool]:
        # The warm path takes no lock: nothing awaits between the check and the pop.
        if self.idle:
            container = self.idle[-1]
            if container.alive and container.generation == self.runtime.generation:
                return self.idle.pop(), False
        async with self.changed:
            while True:
                while self.idle:
                    container = self.idle.pop()
                    if container.alive and container.generation == self.runtime.generation:
                        return container, False
                    self.count -= 1
                    self.live.discard(container)
                    asyncio.create_task(container.stop())
                if self.count < self.limit:
                    self.count += 1
                    break
                self.waiting += 1
                try:
                    await self.changed.wait()
                finally:
                    self.waiting -= 1
        container = Container(self.runtime, self.spec)
        self.live.add(container)
        try:
            await container.start()
        except BaseException:
            self.live.discard(container)
            await self._forget()
            raise
        return container, True

    async def _forget(self) -> None:
        async with self.changed:
            self.count -= 1
            self.changed.notify()

    async def release(self, container: Container) -> None:
        container.idle_since = time.monotonic()
        if container.alive and container.generation == self.runtime.generation:
            if not self.waiting:
                self.idle.append(container)
                return
            async with self.changed:
                self.idle.append(container)
                self.changed.notify()
        else:
            self.live.discard(container)
            await container.stop()
            await self._forget()

    async def retire_idle(self, idle_since: float | None = None) -> int:
        """Stop the idle containers (those idle since before `idle_since`, when given)."""
        async with self.changed:
            idle = [container for container in self.idle
                    if idle_since is None or container.idle_since < idle_since]
            if not idle:
                return 0
            self.idle = [container for container in self.idle if container not in idle]
            self.count -= len(idle)
            self.live.difference_update(idle)
            self.changed.notify_all()
        await asyncio.gather(*(container.stop() for container in idle))
        return len(idle)


class LambdaRuntime:
    """Invokes the stack's functions in warm local containers."""

    def __init__(self, stack: Stack, *, layer_paths: list[Path] | None = None,
                 extra_env: Mapping[str, str] | None = None, recorder: Recorder | None = None,
                 python: str | None = None, max_containers: int = 4,
                 idle_s: float = CONTAINER_IDLE_S, echo_logs: bool = True,
                 verbose: bool = False) -> None:
        self.stack = stack
        self.layer_paths = [Path(p).resolve() for p in (layer_paths or [])]
        self.extra_env = dict(extra_env or {})
        self.recorder = recorder or Recorder()
        self.python = python or sys.executable
        self.max_containers = max_containers
        self.idle_s = idle_s
        self.echo_logs = echo_logs
        self.verbose = verbose  # EMF metric lines echoed too
        # The gateways' one line per request; `invoke` adds the functions each one ran.
        self.requests = request_log.RequestLog(enabled=echo_logs)
        self.generation = 0
        self.pools: dict[str, _Pool] = {}
        # Each function's pre-initialised process, and those being started (callers share one).
        self.snapshots: dict[str, Snapshot] = {}
        self._snapshotting: dict[str, asyncio.Task[Snapshot]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        # Snapshots let go that still wait for their containers to exit (killed at close).
        self._retired_snapshots: set[Snapshot] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.retiring: asyncio.Task[None] | None = None
        self.retired = 0  # containers stopped for being idle, since the start

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.retiring = asyncio.create_task(self._retire_idle_containers())

    async def _retire_idle_containers(self) -> None:
        # Looking twice per idle period retires a container at most 1.5 periods after its use.
        every = max(0.05, min(self.idle_s / 2, 30.0))
        while True:
            await asyncio.sleep(every)
            idle_since = time.monotonic() - self.idle_s
            counts = await asyncio.gather(*(pool.retire_idle(idle_since)
                                            for pool in list(self.pools.values())))
            self.retired += sum(counts)
            unused = [snapshot for snapshot in self.snapshots.values()
                      if snapshot.last_used < idle_since]
            for snapshot in unused:
                self.forget_snapshot(snapshot)
            self._retired_snapshots = {snapshot for snapshot in self._retired_snapshots
                                       if snapshot.alive}

    async def snapshot(self, spec: FunctionSpec) -> Snapshot:
        """The function's pre-initialised process of this generation, started when missing (its
        init runs once however many containers wait for it); FunctionError when init fails."""
        snapshot = self.snapshots.get(spec.logical_id)
        if snapshot is not None and snapshot.alive and snapshot.generation == self.generation:
            return snapshot
        task = self._snapshotting.get(spec.logical_id)
        if task is None:
            task = asyncio.create_task(self._start_snapshot(spec))
            self._snapshotting[spec.logical_id] = task
            task.add_done_callback(lambda done: self._snapshot_started(spec.logical_id, done))
        return await asyncio.shield(task)

    async def _start_snapshot(self, spec: FunctionSpec) -> Snapshot:
        snapshot = Snapshot(self, spec)
        await snapshot.start()
        previous = self.snapshots.get(spec.logical_id)
        self.snapshots[spec.logical_id] = snapshot
        if previous is not None:
            self.forget_snapshot(previous)
        return snapshot

    def _snapshot_started(self, function: str, task: asyncio.Task[Snapshot]) -> None:
        if self._snapshotting.get(function) is task:
            del self._snapshotting[function]
        if not task.cancelled():
            task.exception()  # retrieved: a failed init is the waiters' error, not the loop's

    def forget_snapshot(self, snapshot: Snapshot) -> None:
        """Stop `snapshot` (in the background); the next container starts a new one."""
        if self.snapshots.get(snapshot.spec.logical_id) is snapshot:
            del self.snapshots[snapshot.spec.logical_id]
        self._retired_snapshots.add(snapshot)
        self._in_background(snapshot.stop(wait_for_containers=True))

    def prepare(self, functions: list[str]) -> None:
        """Start these functions' snapshots in the background, one at a time (unknown ones and
        failed inits are skipped: their first invocation reports the error)."""

        async def start_each() -> None:
            for function in functions:
                with contextlib.suppress(UnknownFunction, FunctionError):
                    await self.snapshot(self.spec(function))

        self._in_background(start_each())

    def _in_background(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def container_count(self) -> int:
        """Containers running now, busy or idle."""
        return sum(pool.count for pool in self.pools.values())

    def spec(self, function: str) -> FunctionSpec:
        spec = self.stack.functions.get(function) or self.stack.function_by_name(function)
        if spec is None:
            raise UnknownFunction(function)
        return spec

    def container_environment(self, spec: FunctionSpec) -> dict[str, str]:
        env = {key: os.environ[key] for key in _INHERITED if key in os.environ}
        env.update({
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            # Bytecode cached outside the tree: a cold start then skips compiling the layer.
            "PYTHONPYCACHEPREFIX": PYCACHE,
        })
        env.update(spec.environment)
        env.update(self.extra_env)
        env["LOCALCLOUD_PYTHONPATH"] = os.pathsep.join(
            [str(spec.code_dir), *(str(p) for p in self.layer_paths)])
        return env

    def _pool(self, spec: FunctionSpec) -> _Pool:
        pool = self.pools.get(spec.logical_id)
        if pool is None:
            limit = spec.reserved_concurrency or self.max_containers
            pool = self.pools[spec.logical_id] = _Pool(self, spec, max(1, int(limit)))
        return pool

    async def invoke(self, function: str, event: Any, *, source: str = "direct",
                     request_id: str | None = None, timeout: float | None = None) -> Any:
        """Run the function on `event` and return what its handler returned.

        Raises FunctionError when the handler raises, FunctionTimeout past its timeout.
        """
        spec = self.spec(function)
        invocation = Invocation(request_id=request_id or str(uuid.uuid4()),
                                function=spec.logical_id, source=source, started_at=time.time())
        started = time.perf_counter()
        pool = self._pool(spec)
        container: Container | None = None
        try:
            container, invocation.cold = await pool.acquire()
            request_log.invoked(spec.logical_id, invocation.cold)
            value = await container.invoke(invocation, event, timeout or spec.timeout)
            invocation.status = "ok"
            return value
        except FunctionTimeout as error:
            invocation.status, invocation.error = "timeout", error.message
            raise
        except FunctionError as error:
            invocation.status, invocation.error = "error", f"{error.error_type}: {error.message}"
            raise
        finally:
            invocation.duration_ms = (time.perf_counter() - started) * 1000
            if container is not None:
                await pool.release(container)
            self.recorder.invocation(invocation)

    def invoke_threadsafe(self, function: str, event: Any, *, source: str = "direct",
                          timeout: float | None = None) -> Any:
        """`invoke` from a thread that is not the event loop's (moto's callbacks)."""
        if self.loop is None:
            raise RuntimeError("the runtime is not started")
        future: ThreadFuture[Any] = asyncio.run_coroutine_threadsafe(
            self.invoke(function, event, source=source), self.loop)
        spec = self.spec(function)
        return future.result((timeout or spec.timeout) + INIT_TIMEOUT + 5)

    def echo(self, function: str, request_id: str, line: str) -> None:
        if self.echo_logs and (self.verbose or not request_log.is_metric_line(line)):
            tag = f"{function} {request_id[:8]}" if request_id else function
            print(f"[{tag}] {line}", flush=True)

    async def reload(self) -> None:
        """Retire every container and snapshot; the next invocation of each function starts a
        fresh one. The snapshots of the functions used so far are made again in the background,
        so the next call after a save restores instead of importing."""
        self.generation += 1
        used = list(self.snapshots)
        for snapshot in list(self.snapshots.values()):
            self.forget_snapshot(snapshot)
        await asyncio.gather(*(pool.retire_idle() for pool in self.pools.values()))
        self.prepare(used)

    async def close(self) -> None:
        """Stop every container, busy ones included."""
        if self.retiring is not None:
            self.retiring.cancel()
            await asyncio.gather(self.retiring, return_exceptions=True)
            self.retiring = None
        self.generation += 1
        await asyncio.gather(*(container.stop() for pool in self.pools.values()
                               for container in list(pool.live)))
        self.pools.clear()
        for task in list(self._snapshotting.values()) + list(self._background):
            task.cancel()
        await asyncio.gather(*self._snapshotting.values(), *self._background,
                             return_exceptions=True)
        await asyncio.gather(*(snapshot.stop() for snapshot in
                               {*self.snapshots.values(), *self._retired_snapshots}))
        self.snapshots.clear()
        self._retired_snapshots.clear()
