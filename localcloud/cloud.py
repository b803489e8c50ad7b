"""The local cloud: one process serving a SAM template's APIs, queues and state machines.

It starts the stores (or takes their URLs), the AWS services, the Lambda runtime and each API,
in that order, and stops them in reverse. Components share the stack, the runtime and the
recorder through this object.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from localcloud.allowed_hosts import AllowedHosts
from localcloud.aws import retention
from localcloud.embedded import EmbeddedStores, free_port
from localcloud.recorder import Recorder
from localcloud.runtime import CONTAINER_IDLE_S, LambdaRuntime
from localcloud.template.loading import load_stack
from localcloud.template.resolver import LocalEndpoints
from localcloud.template.stack import Stack
from localcloud.web_push_key import dev_vapid

# The components that wait for the AWS services when those start in the background.
_NEED_AWS = ("aws", "event-sources")


class Component(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


Prepare = Callable[["LocalCloud"], Awaitable[None] | None]


def layer_paths_from_pyproject(root: Path) -> list[Path]:
    """`[tool.localcloud] layers = {Logical = "dir"}` in pyproject.toml: what each layer holds."""
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return []
    config = tomllib.loads(pyproject.read_text()).get("tool", {}).get("localcloud", {})
    return [root / path for path in (config.get("layers") or {}).values()]


@dataclass
class LocalCloudConfig:
    template: Path
    environment: str = "dev"
    host: str = "127.0.0.1"
    # Host headers answered besides loopback and `host` (a proxy's name; "*": any).
    allowed_hosts: list[str] = field(default_factory=list)
    http_port: int = 3000  # 0 picks a free port (tests)
    websocket_port: int = 3001
    aws_port: int = 4566
    layer_paths: list[Path] | None = None  # None: from pyproject.toml
    database_url: str | None = None  # None: DATABASE_URL, else an embedded Postgres
    redis_url: str | None = None  # None: REDIS_URL, else an embedded Redis
    watch: bool = False  # reload containers when functions/ or shared/ change
    echo_logs: bool = True
    verbose: bool = False  # also echo the EMF metric lines functions print
    max_containers: int = 4  # per function, unless its reserved concurrency says otherwise
    container_idle_s: float = CONTAINER_IDLE_S  # idle this long, a container is retired
    # Finished executions kept per state machine and status, and for how long at most.
    executions_kept: int = retention.KEEP_PER_STATUS
    executions_max_age_s: float = retention.MAX_AGE_S
    extra_env: dict[str, str] = field(default_factory=dict)
    prepare: list[Prepare] = field(default_factory=list)  # run once the stores are up
    # Where the embedded stores keep their data between runs (make dev: .localcloud/data);
    # None: throwaway stores in a temporary directory (tests, bench).
    keep_data_in: Path | None = None
    # Stores already being started (python -m localcloud starts them before it reads the
    # template, to overlap the two); None: start() starts them.
    stores_starting: asyncio.Future[EmbeddedStores] | None = None
    # Run just before the AWS services start (python -m localcloud: join moto's preload).
    before_aws: list[Prepare] = field(default_factory=list)
    # Start the AWS services (and the event sources that poll them) after start() returns, with
    # their port already listening, so a call that comes early waits instead of failing
    # (`make dev`: the APIs answer while moto imports and the stack is provisioned).
    aws_in_background: bool = False


class LocalCloud:
    def __init__(self, config: LocalCloudConfig) -> None:
        self.config = config
        self.root = config.template.resolve().parent
        host = config.host
        # One for every gateway, /_local included: DNS rebinding is refused at each door.
        self.allowed_hosts = AllowedHosts.for_server(host, config.allowed_hosts)
        self.http_port = config.http_port or free_port()
        self.websocket_port = config.websocket_port or free_port()
        self.aws_port = config.aws_port or free_port()
        self.endpoints = LocalEndpoints(
            http_url=f"http://{host}:{self.http_port}",
            websocket_url=f"ws://{host}:{self.websocket_port}",
            aws_endpoint=f"http://{host}:{self.aws_port}",
        )
        self.stack: Stack = load_stack(config.template, environment=config.environment,
                                       endpoints=self.endpoints)
        self.recorder = Recorder()
        # Named snapshots for the /_local page: "queues", "connections", "executions", ...
        self.status: dict[str, Callable[[], Any]] = {}
        self.stores: EmbeddedStores | None = None
        self.database_url = ""
        self.redis_url = ""
        self.runtime: LambdaRuntime | None = None
        self.components: list[Component] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        # The /_local page: an ASGI app the HTTP API mounts at /_local when set.
        self.console_app: Any = None
        # The AWS port, listening before moto serves it (aws_in_background).
        self.aws_listener: socket.socket | None = None
        # Done once the AWS services and the event sources run (at once unless in background).
        self.aws_ready: asyncio.Future[None] | None = None

    @property
    def aws_env(self) -> dict[str, str]:
        """What a boto3 client needs to reach the local AWS services."""
        return {
            "AWS_ENDPOINT_URL": self.endpoints.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }

    def function_env(self) -> dict[str, str]:
        """Overrides for every function: local stores instead of SSM references, local AWS."""
        env = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "UPSTASH_REDIS_REST_URL": os.environ.get("UPSTASH_REDIS_REST_URL", ""),
            "UPSTASH_REDIS_REST_TOKEN": os.environ.get("UPSTASH_REDIS_REST_TOKEN", ""),
            "MEILI_URL": os.environ.get("MEILI_URL", ""),
            "MEILI_API_KEY": os.environ.get("MEILI_API_KEY", ""),
            "STAGE": "local",
            # Empty: plaza.identity signs with a dev keyset generated once per machine (/tmp).
            "JWT_KEYS": os.environ.get("JWT_KEYS", ""),
            # Empty: verifiers take the public half of that keyset (the template's SSM reference
            # only resolves in AWS).
            "JWT_PUBLIC_KEYS": os.environ.get("JWT_PUBLIC_KEYS", ""),
            # Empty: plaza.chat.call_tokens signs call tokens with its development app id and
            # certificate (the template's Secrets Manager reference only resolves in AWS).
            "CALL_PROVIDER_CREDENTIALS": os.environ.get("CALL_PROVIDER_CREDENTIALS", ""),
            # Unset or empty: a development VAPID key (localcloud/web_push_key.py), so browsers can
            # subscribe locally; set to a VAPID JSON to push with your own.
            "WEB_PUSH_VAPID": os.environ.get("WEB_PUSH_VAPID") or dev_vapid(),
            # Empty: click visitor hashes use plaza.links.clicks' fixed dev salt (the template's
            # SSM reference only resolves in AWS).
            "LINKS_CLICK_SALT": os.environ.get("LINKS_CLICK_SALT", ""),
            # Links in the outbox's emails open the local cloud's own pages (localcloud/app_pages.py),
            # unless APP_BASE_URL names the developer's app.
            "APP_BASE_URL": os.environ.get("APP_BASE_URL") or f"{self.endpoints.http_url}/_local/app",
            **self.aws_env,
        }
        env.update(self.config.extra_env)
        return env

    def _build_components(self) -> list[Component]:
        # Each part of the local cloud is added here as it exists; order is start order.
        from localcloud.aws.services import AwsServices
        from localcloud.console import Console
        from localcloud.event_sources import EventSources
        from localcloud.http_api import HttpApi
        from localcloud.websocket_api import WebSocketApi

        components: list[Component] = []
        if self.stores is not None and self.stores.started:
            from localcloud.supervisor import StoreSupervisor

            # First to start, last to stop: the stores are watched until they are stopped.
            components.append(StoreSupervisor(self))
        components.append(AwsServices(self))
        if self.stack.websocket_apis:
            components.append(WebSocketApi(self))
        components.append(HttpApi(self))
        # Serves /_local on the HTTP API; stops first, ending the page's event streams.
        components.append(Console(self))
        components.append(EventSources(self))
        # After the AWS services: with MEILI_URL it starts the search reindex machine.
        from localcloud.search_indexes import SearchIndexes

        components.append(SearchIndexes(self))
        if self.config.watch:
            from localcloud.reloader import CodeWatcher

            components.append(CodeWatcher(self))
        return components

    @staticmethod
    def start_stores(config: LocalCloudConfig,
                     progress: Callable[[str], None] | None = None) -> asyncio.Future[EmbeddedStores]:
        """Start the stores `config` asks for in a thread (Postgres and Redis in parallel)."""
        environ = dict(os.environ)
        if config.database_url:
            environ["DATABASE_URL"] = config.database_url
        if config.redis_url:
            environ["REDIS_URL"] = config.redis_url
        options: dict[str, Any] = {"keep_in": config.keep_data_in}
        if progress is not None:
            options["progress"] = progress
        # run_in_executor, not to_thread: the thread starts now, not at the caller's next await.
        return asyncio.get_running_loop().run_in_executor(
            None, functools.partial(EmbeddedStores.start, environ, **options))

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        starting = self.config.stores_starting or self.start_stores(self.config)
        self.stores = await starting
        self.database_url = self.stores.database_url
        self.redis_url = self.stores.redis_url
        try:
            for prepare in self.config.prepare:
                result = prepare(self)
                if asyncio.iscoroutine(result):
                    await result
            layer_paths = self.config.layer_paths
            if layer_paths is None:
                layer_paths = layer_paths_from_pyproject(self.root)
            self.runtime = LambdaRuntime(
                self.stack, layer_paths=layer_paths, extra_env=self.function_env(),
                recorder=self.recorder, max_containers=self.config.max_containers,
                idle_s=self.config.container_idle_s, echo_logs=self.config.echo_logs,
                verbose=self.config.verbose,
            )
            await self.runtime.start()
            components = self._build_components()
            later = [component for component in components
                     if component.name in _NEED_AWS] if self.config.aws_in_background else []
            if later:
                self.aws_listener = socket.create_server((self.config.host, self.aws_port))
            for component in components:
                if component not in later:
                    if component.name == "aws":
                        await self._before_aws()
                    await component.start()
                    self.components.append(component)
            if later:
                self.aws_ready = asyncio.ensure_future(self._start_later(components, later))
            else:
                self.aws_ready = self.loop.create_future()
                self.aws_ready.set_result(None)
        except BaseException:
            await self.stop()
            raise

    async def _before_aws(self) -> None:
        for prepare in self.config.before_aws:
            result = prepare(self)
            if asyncio.iscoroutine(result):
                await result

    async def _start_later(self, components: list[Component], later: list[Component]) -> None:
        await self._before_aws()
        for component in later:
            await component.start()
            # Kept in start order, so stop() still stops them in reverse.
            started = {id(item) for item in self.components} | {id(component)}
            self.components = [item for item in components if id(item) in started]

    async def stop(self) -> None:
        if self.aws_ready is not None and not self.aws_ready.done():
            self.aws_ready.cancel()
            await asyncio.gather(self.aws_ready, return_exceptions=True)
        while self.components:
            component = self.components.pop()
            try:
                await component.stop()
            except Exception as error:  # noqa: BLE001 - keep stopping the rest
                print(f"[localcloud] stopping {component.name} failed: {error!r}", flush=True)
        if self.runtime is not None:
            await self.runtime.close()
        if self.aws_listener is not None:
            self.aws_listener.close()
            self.aws_listener = None
        if self.stores is not None:
            await asyncio.to_thread(self.stores.stop)
            self.stores = None
