"""Restarts the local cloud's own Postgres and Redis when they die, as a managed service would.

Only stores the local cloud started itself are watched (not those DATABASE_URL / REDIS_URL name).
A dead one comes back on the same port and directory, so every URL handed out stays right:
Postgres with its data, Redis empty (it keeps nothing on disk, like a replaced cache node).
Each restart is recorded (kind "store") for the /_local page and printed as one line.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from localcloud.embedded import EmbeddedPostgres, EmbeddedRedis, StoreStartError

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

Store = EmbeddedPostgres | EmbeddedRedis
# How often the store processes are looked at: a poll() each, nothing the machine notices.
CHECK_EVERY_S = 0.5


def store_name(store: Store) -> str:
    return "postgres" if isinstance(store, EmbeddedPostgres) else "redis"


class StoreSupervisor:
    """Watches the embedded stores' processes and restarts a dead one."""

    name = "supervisor"

    def __init__(self, cloud: LocalCloud, every: float = CHECK_EVERY_S) -> None:
        self.cloud = cloud
        self.every = every
        self.task: asyncio.Task[None] | None = None
        self.restarts: dict[str, int] = {}

    def watched(self) -> list[Store]:
        return list(self.cloud.stores.started) if self.cloud.stores is not None else []

    async def start(self) -> None:
        if self.watched():
            self.task = asyncio.create_task(self._watch())
            self.cloud.status["stores"] = self.status

    async def stop(self) -> None:
        self.cloud.status.pop("stores", None)
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            for store in self.watched():
                process = store.process
                if process is not None and process.poll() is not None:
                    await self._restart(store, process.returncode)

    async def _restart(self, store: Store, exit_code: int | None) -> None:
        name = store_name(store)
        started = time.perf_counter()
        try:
            await asyncio.to_thread(store.restart)
        except StoreStartError as error:
            # Tried again on the next look: the port may still be held for a moment.
            self.cloud.recorder.record("store", {"event": "restart_failed", "store": name,
                                                 "port": store.port, "error": str(error)})
            print(f"[localcloud] {name} on :{store.port} died (exit {exit_code}); "
                  f"restart failed: {error}", flush=True)
            return
        self.restarts[name] = self.restarts.get(name, 0) + 1
        took_ms = (time.perf_counter() - started) * 1000
        self.cloud.recorder.record("store", {"event": "restarted", "store": name,
                                             "port": store.port, "exit_code": exit_code,
                                             "took_ms": round(took_ms)})
        print(f"[localcloud] {name} on :{store.port} died (exit {exit_code}); restarted in "
              f"{took_ms:.0f} ms{' (empty)' if name == 'redis' else ''}", flush=True)

    def status(self) -> list[dict[str, object]]:
        """Each watched store: port, process, whether it runs, restarts so far."""
        return [{"store": store_name(store), "port": store.port,
                 "pid": store.process.pid if store.process else None,
                 "running": store.process is not None and store.process.poll() is None,
                 "restarts": self.restarts.get(store_name(store), 0)}
                for store in self.watched()]
