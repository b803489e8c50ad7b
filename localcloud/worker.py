"""One function's pre-initialised process, and the Lambda containers restored from it.

Runs as `python worker.py` in its own process with the function's environment: it imports the
handler once (Lambda's init phase), runs the SnapStart before-snapshot hooks the code registered
with snapshot-restore-py (closing what holds a socket), and then waits. Each container is a
`fork()` of it: the child takes the control pipes the runtime passed over the fork socket
(SCM_RIGHTS), runs the after-restore hooks and serves invocations until told to stop, the way
SnapStart restores a snapshot instead of importing again. Without LOCALCLOUD_FORK_FD the process
serves invocations itself (a fresh interpreter per container, as before snapshots).

Standard library only, and it removes its own directory from sys.path, so nothing of the local
cloud is importable by the handler. Frames on the control pipes are a 4-byte big-endian length,
then JSON (json, not orjson: orjson imports dataclasses and inspect, 20-40 ms on every cold
start); the fork socket carries one JSON message per packet (SOCK_SEQPACKET).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import signal
import socket
import struct
import sys
import time
import traceback
from typing import Any

_HEADER = struct.Struct(">I")


class _Control:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        # Buffered: one read takes a whole frame, length and body, off the pipe.
        self.reader = os.fdopen(read_fd, "rb", buffering=65536)
        self.write_fd = write_fd

    def close(self) -> None:
        self.reader.close()
        os.close(self.write_fd)

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":"), default=str).encode()
        payload = _HEADER.pack(len(data)) + data
        view = memoryview(payload)
        while view:
            written = os.write(self.write_fd, view)
            view = view[written:]

    def receive(self) -> dict[str, Any] | None:
        header = self._read_exactly(_HEADER.size)
        if header is None:
            return None
        body = self._read_exactly(_HEADER.unpack(header)[0])
        return None if body is None else json.loads(body)

    def _read_exactly(self, size: int) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self.reader.read(size - len(chunks))
            if not chunk:
                return None
            chunks.extend(chunk)
        return bytes(chunks)


class _LogStream(io.TextIOBase):
    """sys.stdout / sys.stderr: whole lines go to the parent, tagged with the request id."""

    def __init__(self, control: _Control, stream: str) -> None:
        self.control = control
        self.stream = stream
        self.buffer_text = ""
        self.request_id = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.buffer_text += text
        while "\n" in self.buffer_text:
            line, self.buffer_text = self.buffer_text.split("\n", 1)
            self.control.send({"type": "log", "stream": self.stream, "line": line,
                               "request_id": self.request_id})
        return len(text)

    def flush(self) -> None:
        if self.buffer_text:
            line, self.buffer_text = self.buffer_text, ""
            self.control.send({"type": "log", "stream": self.stream, "line": line,
                               "request_id": self.request_id})

    def isatty(self) -> bool:
        return False


class LambdaContext:
    """The context object Lambda passes to a Python handler."""

    def __init__(self, request_id: str, deadline: float) -> None:
        env = os.environ
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = env.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "local")
        self.aws_request_id = request_id
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)[1:],
    }


def _run_hooks(registry: str) -> None:
    """Run the hooks the function's code registered with snapshot-restore-py, in order (none
    when it never imported the module)."""
    hooks = sys.modules.get("snapshot_restore_py")
    if hooks is not None:
        for function, args, kwargs in getattr(hooks, registry)():
            function(*args, **kwargs)


def _serve(control: _Control, handler: Any, stdout: _LogStream, stderr: _LogStream) -> None:
    while True:
        message = control.receive()
        if message is None or message.get("type") == "stop":
            return
        request_id = message["request_id"]
        stdout.request_id = stderr.request_id = request_id
        context = LambdaContext(request_id, message["deadline"])
        try:
            result = handler(message["event"], context)
            stdout.flush()
            stderr.flush()
            control.send({"type": "result", "id": message["id"], "ok": True, "value": result})
        except Exception as exc:  # noqa: BLE001 - the handler's error goes back to the caller
            stdout.flush()
            stderr.flush()
            control.send({"type": "result", "id": message["id"], "ok": False, **_error(exc)})


class _Snapshot:
    """The pre-initialised process: forks a restored container for each request on the fork
    socket and reports each one's pid, then its exit status once it is reaped."""

    def __init__(self, fork_fd: int, control: _Control, handler: Any,
                 stdout: _LogStream, stderr: _LogStream) -> None:
        self.socket = socket.socket(fileno=fork_fd)
        self.socket.setblocking(True)
        self.control = control
        self.handler = handler
        self.stdout, self.stderr = stdout, stderr

    def send(self, message: dict[str, Any]) -> None:
        # OSError: the runtime has let this snapshot go, nobody listens.
        with contextlib.suppress(OSError):
            self.socket.send(json.dumps(message, separators=(",", ":")).encode())

    def reap(self, signum: int = 0, frame: Any = None) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.send({"type": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status)})

    def wait_for_forks(self) -> None:
        signal.signal(signal.SIGCHLD, self.reap)
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.socket, 65536, 4)
            except OSError:
                self.outlive_children()
                return
            if not data:  # the runtime closed its end: nothing more will be restored
                self.outlive_children()
                return
            request = json.loads(data)
            if len(fds) != 4:
                for fd in fds:
                    os.close(fd)
                self.send({"type": "fork_error", "id": request.get("id"),
                           "errorMessage": f"expected 4 descriptors, got {len(fds)}"})
                continue
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = self.restore(request, fds)
                finally:
                    os._exit(code)
            for fd in fds:
                os.close(fd)
            self.send({"type": "forked", "id": request["id"], "pid": pid})

    def outlive_children(self) -> None:
        """Exit only after the containers restored from here (busy ones finish their invocation
        after a reload): their parent reaps them, not whatever init the machine has."""
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                return

    def restore(self, request: dict[str, Any], fds: list[int]) -> int:
        """In the child: become one container on the pipes the runtime passed, then serve."""
        restored = time.perf_counter()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.socket.close()
        self.control.close()
        read_fd, write_fd, stdout_fd, stderr_fd = fds
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        os.close(stdout_fd)
        os.close(stderr_fd)
        control = _Control(read_fd, write_fd)
        self.stdout.control = self.stderr.control = control
        os.environ.update(request.get("env") or {})
        try:
            _run_hooks("get_after_restore")
        except BaseException as exc:  # noqa: BLE001 - a failed restore is reported, as Lambda does
            control.send({"type": "init_error", **_error(exc)})
            return 1
        control.send({"type": "ready", "restored": True,
                      "init_ms": (time.perf_counter() - restored) * 1000})
        _serve(control, self.handler, self.stdout, self.stderr)
        return 0


def main() -> None:
    own_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != own_dir]
    for path in reversed(os.environ.get("LOCALCLOUD_PYTHONPATH", "").split(os.pathsep)):
        if path:
            sys.path.insert(0, path)
    control = _Control(int(os.environ.pop("LOCALCLOUD_READ_FD")),
                       int(os.environ.pop("LOCALCLOUD_WRITE_FD")))
    fork_fd = os.environ.pop("LOCALCLOUD_FORK_FD", "")
    os.environ.pop("LOCALCLOUD_PYTHONPATH", None)
    stdout, stderr = _LogStream(control, "stdout"), _LogStream(control, "stderr")
    sys.stdout, sys.stderr = stdout, stderr  # type: ignore[assignment]

    handler_spec = os.environ["_HANDLER"]
    started = time.perf_counter()
    try:
        module_name, attribute = handler_spec.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), attribute)
        if fork_fd:
            # What SnapStart does before it takes the snapshot: nothing holding a socket may be
            # copied into the restored containers.
            _run_hooks("get_before_snapshot")
            stdout.flush()
            stderr.flush()
        control.send({"type": "ready", "init_ms": (time.perf_counter() - started) * 1000})
    except BaseException as exc:  # noqa: BLE001 - an init error is reported, as Lambda does
        control.send({"type": "init_error", **_error(exc)})
        return
    if fork_fd:
        _Snapshot(int(fork_fd), control, handler, stdout, stderr).wait_for_forks()
    else:
        _serve(control, handler, stdout, stderr)


if __name__ == "__main__":
    main()
