"""Finds and starts PostgreSQL and Redis for tests and `make dev`: throwaway ones, or ones whose
data stays in a directory (`make dev` keeps them in the project's .localcloud/data).

Used by the test harness and by the local cloud, so both run on the same stores. A URL given in
DATABASE_URL / REDIS_URL wins: nothing is started then. Postgres and Redis start in parallel.

On a shared machine any user can reach a loopback port, so each store requires a password (in
the URLs handed out, never on a command line, which `ps` shows to everyone): generated for the
run, or for a persistent store once and kept in its data directory (0600). Their files sit in a
directory only its owner can open (0700). As root, the cluster runs as the `postgres` user with
the `postgres` group only: initdb refuses root, and a process left with root's groups could read
whatever root's group can.

A persistent store left running by a `make dev` that was killed (kill -9: nobody stopped it) is
stopped before its directory is used again, and a stale postmaster.pid is removed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATABASE_NAME = "plaza"


class StoreStartError(RuntimeError):
    """A store could not be found, installed or started."""


def new_password() -> str:
    """A password for one run's store: URL-safe, so it goes into a URL as it is."""
    return secrets.token_urlsafe(24)


def write_private_file(path: Path, text: str, owner: pwd.struct_passwd | None = None) -> None:
    """Create `path` readable by its owner only (fails if it exists), then hand it to `owner`."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)


def stored_password(path: Path) -> str:
    """The password kept in `path` (0600), made on first use: a persistent store's URL must
    work again after a restart."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    password = new_password()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_private_file(path, password)
    return password


def _process_command(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def stop_orphan(pid_file: Path, program: str, directory: Path) -> bool:
    """Stop the `program` process named in `pid_file` if it still serves `directory` (left by a
    run that was killed before it could stop it); remove the file when it is stale. True when
    an orphan was stopped."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    command = _process_command(pid)
    try:  # both stores run in their directory (Redis rewrites its command line)
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        cwd = None
    ours = (bool(command) and Path(command[0]).name.startswith(program)
            and cwd == directory.resolve())
    if not ours:
        # Not running, or the pid now belongs to something else: the file only lies.
        with contextlib.suppress(OSError):
            pid_file.unlink()
        return False
    # Postgres: SIGINT is a fast shutdown (clients are dropped, the data is checkpointed);
    # Redis: SIGINT saves and exits too.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 15
    while _process_command(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _process_command(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while _process_command(pid) and time.monotonic() < deadline + 5:
            time.sleep(0.05)
    with contextlib.suppress(OSError):
        pid_file.unlink()
    return True


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StoreStartError(f"{what} exited with code {process.returncode} while starting")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise StoreStartError(f"{what} did not accept connections on port {port} in {seconds}s")


def _find_postgres_bindir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout
        if (Path(bindir.strip()) / "initdb").exists():
            return Path(bindir.strip())
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _postgres_bindir() -> Path:
    """Debian's PostgreSQL server binaries, installing the package when missing and we are root."""
    found = _find_postgres_bindir()
    if found is None and _apt_install("postgresql"):
        found = _find_postgres_bindir()
    if found is None:
        raise StoreStartError(
            "PostgreSQL server binaries not found: install Debian's postgresql package "
            "or set DATABASE_URL"
        )
    return found


def cluster_owner() -> pwd.struct_passwd | None:
    """The user the cluster runs as when we are root (initdb refuses root); None: ourselves."""
    return pwd.getpwnam("postgres") if os.geteuid() == 0 else None


def _run_as(owner: pwd.struct_passwd | None) -> dict[str, Any]:
    """subprocess options that run a command as `owner`, with its own group and no other (by
    default only the user changes, and the process keeps root's group and supplementary groups)."""
    if owner is None:
        return {}
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


@dataclass
class EmbeddedPostgres:
    """A private PostgreSQL cluster on a free loopback port, that takes the superuser's password
    only (SCRAM), over TCP and over its socket alike: in a temporary directory, or in `keep_in`
    (its data and password stay there from one run to the next)."""

    port: int = field(default_factory=free_port)
    password: str = field(default_factory=new_password, repr=False)
    directory: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    keep_in: Path | None = None
    progress: Progress = field(default=_quiet, repr=False)

    @property
    def url(self) -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{DATABASE_NAME}"

    def start(self) -> str:
        bindir = _postgres_bindir()
        owner = cluster_owner()
        if self.keep_in is not None:
            self.directory = self.keep_in / "postgres"
            self.password = stored_password(self.keep_in / "postgres.password")
            data = self.directory / "data"
            if (data / "PG_VERSION").exists():
                if stop_orphan(data / "postmaster.pid", "postgres", data):
                    self.progress("stopped the Postgres a killed run left running")
                self._launch(bindir)
                return self.url
            # A first run, or an initdb that was interrupted: start the cluster over.
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir(mode=0o700, parents=True)
            self.progress(f"creating the Postgres cluster in {self.keep_in} (first run) ...")
        else:
            self.directory = Path(tempfile.mkdtemp(prefix="plaza-pg-"))  # mode 0700
        data = self.directory / "data"
        if owner is not None:
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        # initdb reads the password from a file, so it is never on a command line.
        password_file = self.directory / "password"
        write_private_file(password_file, self.password, owner)
        log = (self.directory / "initdb.log").open("wb")
        try:
            done = subprocess.run(
                [str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                 "--auth=scram-sha-256", f"--pwfile={password_file}",
                 "-E", "UTF8", "--locale=C", "--no-sync"],
                stdout=log, stderr=subprocess.STDOUT, **_run_as(owner),
            )
        finally:
            password_file.unlink()
        if done.returncode != 0:
            raise StoreStartError(
                f"initdb failed: {(self.directory / 'initdb.log').read_text()[-2000:]}"
            )
        self._launch(bindir)
        self._create_database(bindir)
        return self.url

    def _launch(self, bindir: Path) -> None:
        assert self.directory is not None
        # A throwaway cluster: flushing to disk buys nothing and costs seconds per test run.
        # Commits still wait for their WAL write (no fsync: a write call), so a killed server
        # restarted on the same directory keeps every commit it acknowledged. A kept one
        # flushes, so that a power cut does not corrupt the data that is meant to stay.
        durability = [] if self.keep_in is not None else [
            "-c", "fsync=off", "-c", "full_page_writes=off"]
        self.process = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(self.directory / "data"), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.directory}",
             *durability, "-c", "max_connections=200", "-c", "shared_buffers=128MB"],
            stdout=(self.directory / "postgres.log").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True, **_run_as(cluster_owner()),
        )
        _wait_for_port(self.port, self.process, "postgres", 30)
        self._wait_until_accepting(bindir, 30)

    def _wait_until_accepting(self, bindir: Path, seconds: float) -> None:
        """Wait out crash recovery: the server listens before it takes connections, and a
        restarted store should come back serving. pg_isready needs no password."""
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while subprocess.run([str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1",
                              "-p", str(self.port), "-t", "2"]).returncode != 0:
            if self.process.poll() is not None:
                raise StoreStartError(f"postgres exited with code {self.process.returncode} "
                                      "while starting")
            if time.monotonic() > deadline:
                raise StoreStartError(f"postgres did not accept connections in {seconds}s")
            time.sleep(0.05)

    def restart(self) -> str:
        """Start the cluster again on its port and data directory, after its postmaster died
        (the password lives in the cluster, so the URL stays right).

        Backends the dead postmaster left may still hold the shared memory, which the new one
        refuses to share: they are killed (they would exit on their own soon) and the start is
        retried until the old ones are gone."""
        _kill_leftovers(self.process)
        bindir = _postgres_bindir()
        deadline = time.monotonic() + 30
        while True:
            try:
                self._launch(bindir)
                return self.url
            except StoreStartError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _create_database(self, bindir: Path) -> None:
        deadline = time.monotonic() + 15
        while True:
            done = subprocess.run(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 DATABASE_NAME], capture_output=True, text=True,
                env={**os.environ, "PGPASSWORD": self.password},
            )
            if done.returncode == 0 or "already exists" in done.stderr:
                return
            if time.monotonic() > deadline:
                raise StoreStartError(f"createdb failed: {done.stderr}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # A kept cluster is shut down cleanly (SIGINT: fast shutdown, a checkpoint, no wait
            # for clients), so the next start needs no recovery; a throwaway one just goes.
            self.process.send_signal(signal.SIGINT if self.keep_in else signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        if self.directory and self.keep_in is None:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.process = None


def _kill_leftovers(process: subprocess.Popen[bytes] | None) -> None:
    """Kill what is left of a store's dead process: its session (started with
    start_new_session) holds nothing but the store's own processes."""
    if process is None:
        return
    if process.poll() is None:
        raise StoreStartError(f"the store's process {process.pid} is still running")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _apt_install(package: str) -> bool:
    """Install a Debian package when we are root on a machine with apt-get; False otherwise."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise StoreStartError(f"apt-get install {package} failed: {done.stderr[-2000:]}")
    return True


def ensure_redis_server() -> str:
    """Path of redis-server, installing Debian's package when it is missing and we are root."""
    found = shutil.which("redis-server")
    if found:
        return found
    if _apt_install("redis-server") and (found := shutil.which("redis-server")):
        return found
    raise StoreStartError("redis-server not found: install it (apt-get install redis-server) "
                          "or set REDIS_URL")


@dataclass
class EmbeddedRedis:
    """A private redis-server on a free loopback port, that answers only clients that give its
    password: without persistence, or kept in `keep_in` (saved there when it stops, and every
    minute that saw a write, and loaded again at the next start)."""

    port: int = field(default_factory=free_port)
    password: str = field(default_factory=new_password, repr=False)
    directory: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    keep_in: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    @property
    def config_file(self) -> Path:
        assert self.directory is not None
        return self.directory / "redis.conf"

    @property
    def pid_file(self) -> Path:
        assert self.directory is not None
        return self.directory / "redis.pid"

    def start(self) -> str:
        if self.keep_in is not None:
            self.directory = self.keep_in / "redis"
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.password = stored_password(self.keep_in / "redis.password")
            stop_orphan(self.pid_file, "redis-server", self.directory)
            self.config_file.unlink(missing_ok=True)
        else:
            self.directory = Path(tempfile.mkdtemp(prefix="plaza-redis-"))  # mode 0700
        # In a file, not after --requirepass: a command line is anyone's to read.
        write_private_file(self.config_file, f"requirepass {self.password}\n")
        return self.restart()

    def restart(self) -> str:
        """Start redis-server (again) on its port and directory; without persistence it comes
        back empty, as a managed Redis that lost its node does."""
        assert self.directory is not None
        _kill_leftovers(self.process)
        persistence = (["--save", "60 1", "--pidfile", str(self.pid_file)]
                       if self.keep_in is not None else ["--save", ""])
        self.process = subprocess.Popen(
            [ensure_redis_server(), str(self.config_file), "--port", str(self.port),
             "--bind", "127.0.0.1", *persistence,
             "--appendonly", "no", "--dir", str(self.directory), "--daemonize", "no",
             "--protected-mode", "no"],
            stdout=(self.directory / "redis.log").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for_port(self.port, self.process, "redis-server", 15)
        return self.url

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        if self.directory and self.keep_in is None:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.process = None


@dataclass
class EmbeddedStores:
    """Postgres and Redis URLs for a run: the ones in the environment, or ones started here."""

    database_url: str = ""
    redis_url: str = ""
    started: list[EmbeddedPostgres | EmbeddedRedis] = field(default_factory=list)

    @classmethod
    def start(cls, environ: dict[str, str] | None = None, *, keep_in: Path | None = None,
              progress: Progress = _quiet) -> EmbeddedStores:
        """Postgres and Redis, started in parallel unless the environment names them; with
        `keep_in`, their data (and passwords) stay in that directory."""
        environ = dict(os.environ if environ is None else environ)
        stores = cls()
        if keep_in is not None:
            keep_in.mkdir(mode=0o700, parents=True, exist_ok=True)
            if cluster_owner() is not None:
                # The cluster's user must pass through to its own directory; listing the
                # directory, or reading the password files (0600), stays ours alone.
                keep_in.chmod(0o711)
        wanted: list[EmbeddedPostgres | EmbeddedRedis] = []
        if not environ.get("DATABASE_URL"):
            wanted.append(EmbeddedPostgres(keep_in=keep_in, progress=progress))
        if not environ.get("REDIS_URL"):
            wanted.append(EmbeddedRedis(keep_in=keep_in))
        stores.started.extend(wanted)
        try:
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="store") as pool:
                urls = list(pool.map(lambda store: store.start(), wanted))
        except BaseException:
            stores.stop()
            raise
        by_kind = dict(zip((type(store) for store in wanted), urls, strict=True))
        stores.database_url = environ.get("DATABASE_URL") or by_kind[EmbeddedPostgres]
        stores.redis_url = environ.get("REDIS_URL") or by_kind[EmbeddedRedis]
        return stores

    def stop(self) -> None:
        for store in reversed(self.started):
            store.stop()
        self.started.clear()
