"""`python -m localcloud` (what `make dev` runs): the whole template on this machine.

Starts the stores (embedded Postgres and Redis unless DATABASE_URL / REDIS_URL are set; their
data stays in .localcloud/data, `--fresh` empties it), migrates, serves the template, seeds the
demo data into an empty store and prints where everything is. What can overlap does: the stores
start while the template is read; the AWS services (moto) start after the banner, their port
already listening; containers start on first use (the authorizers' snapshots in the
background). Ctrl-C or SIGTERM stops all it started: containers, the APIs, the embedded stores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from localcloud.cloud import LocalCloud, LocalCloudConfig

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localcloud",
                                     description="Run template.yaml locally, without Docker.")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--env", default="dev", help="samconfig.toml environment for parameters")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also answer requests for this Host (a proxy's name; .example.com "
                             "for it and its subdomains; * for any), besides localhost, "
                             "127.0.0.0/8 and [::1]; repeatable")
    parser.add_argument("--http-port", type=int, default=3000, help="0 picks a free port")
    parser.add_argument("--ws-port", type=int, default=3001, help="0 picks a free port")
    parser.add_argument("--aws-port", type=int, default=4566, help="0 picks a free port")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo accounts")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".localcloud" / "data",
                        help="where the embedded Postgres and Redis keep their data between runs")
    parser.add_argument("--fresh", action="store_true",
                        help="empty the data directory first (make dev FRESH=1)")
    parser.add_argument("--throwaway", action="store_true",
                        help="temporary stores, removed at exit (the data directory is not used)")
    parser.add_argument("--no-watch", action="store_true",
                        help="do not reload functions when functions/ or shared/ change")
    parser.add_argument("--quiet", action="store_true",
                        help="do not echo function logs nor the line per request")
    parser.add_argument("--verbose", action="store_true",
                        help="also echo the EMF metric lines functions print")
    return parser.parse_args(argv)


def progress(line: str) -> None:
    """One line for a step that takes a while (a first run's initdb, migrations, demo data)."""
    print(f"[localcloud] {line}", flush=True)


async def apply_migrations(cloud: LocalCloud) -> None:
    def migrate() -> list[str]:
        import psycopg

        from plaza.stores import migrations

        with psycopg.connect(cloud.database_url, autocommit=True) as conn:
            recorded = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")} \
                if recorded and recorded[0] else set()
            if any(migration.version not in done for migration in migrations.discover()):
                progress("applying migrations ...")
            return migrations.apply(conn)

    applied = await asyncio.to_thread(migrate)
    if applied:
        progress(f"migrations applied: {', '.join(applied)}")


def load_aws_services() -> None:
    """Import moto (1.5 s of CPU) and its Step Functions interpreter (an ANTLR parser) in a
    thread, after the banner: the APIs answer meanwhile, and AWS calls made before moto serves
    its port wait in the port's backlog (LocalCloudConfig.aws_in_background)."""
    with contextlib.suppress(Exception):
        importlib.import_module("moto.moto_server.werkzeug_app")
        for service in ("awslambda", "s3", "sqs", "ses", "sns", "events", "iam"):
            importlib.import_module(f"moto.{service}.models")
        importlib.import_module("moto.stepfunctions.parser.backend.execution")


def banner(cloud: LocalCloud, accounts: list[dict[str, str]], notes: list[str],
           ready_ms: float) -> str:
    endpoints = cloud.endpoints
    stages = [f"{endpoints.websocket_url}/{api.stage}" for api in cloud.stack.websocket_apis.values()]
    management = [stage.replace("ws://", "http://", 1) for stage in stages]
    lines = [
        "",
        f"  Plaza local cloud ({cloud.stack.name}) ready in {ready_ms:.0f} ms",
        "",
        f"  HTTP API       {endpoints.http_url}",
        f"  WebSocket API  {', '.join(stages) or endpoints.websocket_url}",
    ]
    if management:
        # What WEBSOCKET_MANAGEMENT_ENDPOINT is locally; apigatewaymanagementapi calls on the
        # AWS endpoint reach the same gateway (localcloud/aws/connections.py).
        lines.append(f"  @connections   {', '.join(management)}   (POST /@connections/<id>)")
    lines += [
        f"  AWS (moto)     {endpoints.aws_endpoint}   (AWS_ENDPOINT_URL for boto3)",
        f"  Console        {endpoints.http_url}/_local",
        f"  Back office    {endpoints.http_url}/v1/admin   (sign in as the demo admin)",
        f"  Postgres       {cloud.database_url}",
        f"  Redis          {cloud.redis_url}",
        f"  Search         {cloud.function_env()['MEILI_URL'] or 'Postgres full-text (MEILI_URL unset)'}",
        f"  Functions      {len(cloud.stack.functions)}, reload on change: "
        f"{'on' if cloud.config.watch else 'off'}",
    ]
    if accounts:
        lines += ["", "  Demo accounts (username / email / password):"]
        lines += [f"    {a['username']:<8} {a['email']:<22} {a['password']}  ({a['status']})"
                  + (f"  role {a['role']}" if a.get("role") else "")
                  for a in accounts]
    lines += [f"  {note}" for note in notes]
    lines += ["", "  Ctrl-C stops everything.", ""]
    return "\n".join(lines)


async def serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    keep_data_in = None if args.throwaway else args.data_dir.resolve()
    if keep_data_in is not None and args.fresh and keep_data_in.exists():
        progress(f"--fresh: emptying {keep_data_in}")
        shutil.rmtree(keep_data_in)
    config = LocalCloudConfig(
        template=args.template, environment=args.env, host=args.host,
        allowed_hosts=args.allow_host,
        http_port=args.http_port, websocket_port=args.ws_port, aws_port=args.aws_port,
        watch=not args.no_watch, echo_logs=not args.quiet, verbose=args.verbose,
        prepare=[apply_migrations], before_aws=[lambda _: asyncio.to_thread(load_aws_services)],
        keep_data_in=keep_data_in, aws_in_background=True,
    )
    # The stores start (in their own processes) while this one reads the template.
    config.stores_starting = LocalCloud.start_stores(config, progress)
    try:
        cloud = LocalCloud(config)
    except BaseException:
        (await config.stores_starting).stop()
        raise
    try:
        await cloud.start()
        accounts: list[dict[str, str]] = []
        notes: list[str] = []
        if not args.no_demo and not stopping.is_set():
            from localcloud import demo

            accounts = await asyncio.to_thread(demo.existing_accounts, cloud)
            if not accounts:  # an empty store (a first run, --fresh): seeded once
                progress("seeding the demo data ...")
                assert cloud.aws_ready is not None
                await cloud.aws_ready  # the seed's emails and index events go through SQS/SES
                accounts, notes = await asyncio.to_thread(demo.seed, cloud)
        print(banner(cloud, accounts, notes, (time.perf_counter() - started) * 1000), flush=True)
        if cloud.aws_ready is not None:  # done already when the demo seed waited for it
            cloud.aws_ready.add_done_callback(
                lambda done: aws_started(done, (time.perf_counter() - started) * 1000))
        if cloud.runtime is not None:
            # In front of every signed-in route: restored, not imported, on the first request.
            cloud.runtime.prepare(sorted(authorizer_functions(cloud)))
        await stopping.wait()
        print("[localcloud] stopping ...", flush=True)
    finally:
        await cloud.stop()
    print("[localcloud] stopped", flush=True)
    return 0


def aws_started(done: asyncio.Future[None], since_start_ms: float) -> None:
    """One line when the AWS services that started after the banner are up (or failed)."""
    if done.cancelled():
        return
    if done.exception() is not None:
        progress(f"the AWS services failed to start: {done.exception()!r}")
    else:
        progress(f"AWS services and event sources ready ({since_start_ms:.0f} ms after start)")


def authorizer_functions(cloud: LocalCloud) -> set[str]:
    """The functions the stack's HTTP and WebSocket authorizers run."""
    found = {authorizer.function for api in cloud.stack.http_apis.values()
             for authorizer in api.authorizers.values()}
    found.update(route.authorizer.function for api in cloud.stack.websocket_apis.values()
                 for route in api.routes.values() if route.authorizer is not None)
    return found


def busy_ports(host: str, ports: dict[str, int]) -> list[str]:
    """The options whose port something else already listens on (another `make dev`?)."""
    busy = []
    for option, port in ports.items():
        if not port:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                busy.append(f"{option} {port}")
    return busy


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (uvicorn[standard] brings it): every request and invocation takes
    several loop turns, and uvloop's cost about a third less than asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.template.exists():
        print(f"no template at {args.template}", file=sys.stderr)
        return 2
    busy = busy_ports(args.host, {"--http-port": args.http_port, "--ws-port": args.ws_port,
                                  "--aws-port": args.aws_port})
    if busy:
        print(f"already in use: {', '.join(busy)}. Stop what listens there or choose other "
              f'ports, e.g. make dev DEV_ARGS="--http-port 3100" (0 picks a free port).',
              file=sys.stderr)
        return 2
    from localcloud.embedded import StoreStartError

    try:
        return asyncio.run(serve(args), loop_factory=event_loop_factory())
    except StoreStartError as error:
        print(f"[localcloud] could not start the stores: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
