"""One Lambda container: imports a handler once, then serves invocations until told to stop.

Runs as `python worker.py` in its own process with the function's environment. Standard library
only, and it removes its own directory from sys.path, so nothing of the local cloud is importable
by the handler. Frames on the control pipes are a 4-byte big-endian length, then JSON (json, not
orjson: orjson imports dataclasses and inspect, 20-40 ms on every container's cold start).
"""

from __future__ import annotations

import importlib
import io
import json
import os
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


def main() -> None:
    own_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != own_dir]
    for path in reversed(os.environ.get("LOCALCLOUD_PYTHONPATH", "").split(os.pathsep)):
        if path:
            sys.path.insert(0, path)
    control = _Control(int(os.environ.pop("LOCALCLOUD_READ_FD")),
                       int(os.environ.pop("LOCALCLOUD_WRITE_FD")))
    os.environ.pop("LOCALCLOUD_PYTHONPATH", None)
    stdout, stderr = _LogStream(control, "stdout"), _LogStream(control, "stderr")
    sys.stdout, sys.stderr = stdout, stderr  # type: ignore[assignment]

    handler_spec = os.environ["_HANDLER"]
    started = time.perf_counter()
    try:
        module_name, attribute = handler_spec.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), attribute)
        control.send({"type": "ready", "init_ms": (time.perf_counter() - started) * 1000})
    except BaseException as exc:  # noqa: BLE001 - an init error is reported, as Lambda does
        control.send({"type": "init_error", **_error(exc)})
        return

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


if __name__ == "__main__":
    main()
