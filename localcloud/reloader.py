"""Reloads the functions when their code changes: a save under functions/ or shared/ retires
every warm container, so the next invocation imports the new code (a cold start, as after a
deploy). Busy containers finish their invocation first.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from localcloud.cloud import layer_paths_from_pyproject
from localcloud.runtime import PYCACHE

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

# What a function's code is made of; editor swap files and bytecode do not count.
_CODE_SUFFIXES = (".py", ".json", ".yaml", ".yml", ".sql", ".txt", ".toml", ".html", ".jinja")


def watched_directories(cloud: LocalCloud) -> list[Path]:
    """Each function's code directory and each layer's, outermost only (the repo root is never
    watched whole: it holds .venv)."""
    candidates = {cloud.root / "functions", cloud.root / "shared"}
    candidates.update(spec.code_dir for spec in cloud.stack.functions.values())
    layers = cloud.config.layer_paths
    candidates.update(layer_paths_from_pyproject(cloud.root) if layers is None else layers)
    existing = sorted({path.resolve() for path in candidates
                       if path.is_dir() and path.resolve() != cloud.root})
    return [path for path in existing
            if not any(other != path and other in path.parents for other in existing)]


def _is_code(change: object, path: str) -> bool:
    return path.endswith(_CODE_SUFFIXES)


def _forget_bytecode(path: str) -> None:
    """Drop the cached .pyc of a changed module: pyc validation compares whole-second mtimes and
    sizes, so a quick edit of the same length would otherwise run the old code."""
    if not path.endswith(".py"):
        return
    source = Path(path).resolve()
    cached = Path(PYCACHE + str(source.parent)) / f"{source.stem}.{sys.implementation.cache_tag}.pyc"
    with contextlib.suppress(OSError):
        cached.unlink()


class CodeWatcher:
    """Component: watches the code directories (inotify via watchfiles) and reloads the runtime."""

    name = "code-watcher"

    def __init__(self, cloud: LocalCloud, debounce_ms: int = 150) -> None:
        self.cloud = cloud
        self.debounce_ms = debounce_ms
        self.directories = watched_directories(cloud)
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.reloads = 0

    async def start(self) -> None:
        if self.directories:
            self.task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        self.stopping.set()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        self.task = None

    async def _watch(self) -> None:
        from watchfiles import awatch

        async for changes in awatch(*self.directories, watch_filter=_is_code,
                                    debounce=self.debounce_ms, step=50,
                                    stop_event=self.stopping, recursive=True):
            await self.reload(sorted({path for _, path in changes}))

    async def reload(self, paths: list[str]) -> None:
        runtime = self.cloud.runtime
        if runtime is None:
            return
        started = time.perf_counter()
        for path in paths:
            _forget_bytecode(path)
        await runtime.reload()
        self.reloads += 1
        shown = [str(Path(p).relative_to(self.cloud.root)) if Path(p).is_relative_to(self.cloud.root)
                 else p for p in paths]
        self.cloud.recorder.record("reload", {"paths": shown,
                                              "duration_ms": (time.perf_counter() - started) * 1000})
        if self.cloud.config.echo_logs:
            print(f"[localcloud] reloaded functions after {', '.join(shown[:3])}"
                  + (f" and {len(shown) - 3} more" if len(shown) > 3 else ""), flush=True)
