"""A power cut: `openkrakow run` and its embedded servers SIGKILLed together, then started again
at once on the same data folder, as a supervisor (systemd: 5 tries in 10 s) would — it must come
back, with what it had committed, whatever the old processes were still doing (issue 15, item 10).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from shared.embedded import EmbeddedServers, _pid_alive, _processes_in
from tests.helpers.server import free_port


def _run_env(data: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "NATS_URL", "REDIS_URL", "TEST_"))
    }
    env.update(
        OPENKRAKOW_DATA=str(data),
        OPENKRAKOW_SECRET_KEY="power-cut-secret-key-0123456789-abcdefghijkl",
        SMTP_INTAKE_PORT=str(free_port()),
        LOG_LEVEL="INFO",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def _pgdata(servers: Path) -> Path:
    note = servers / "postgres" / "LOCATION"
    return Path(note.read_text().splitlines()[0]) if note.exists() else servers / "postgres"


def _server_pids(servers: Path) -> list[int]:
    """Every process of the embedded servers: nats, redis, the postmaster and its children."""
    pids = [int((servers / "pids" / f"{name}.pid").read_text()) for name in ("nats", "redis")]
    return pids + _processes_in(_pgdata(servers))


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


# A supervisor as in a container whose init is a plain process manager: it restarts
# `openkrakow run` as soon as it is gone, and it is the subreaper of everything below it but
# reaps only the process it supervises -- so the killed servers stay zombies (their pids still
# exist) while the new run starts, as they do for a moment under any init.
SUPERVISOR = """
import ctypes, signal, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
log = open(sys.argv[1], "ab")
child = None
for line in sys.stdin:
    if line.strip() == "stop":
        break  # the run is alive: stopped below (waiting for it here would wait for ever)
    if child is not None:
        child.wait()  # reaps the killed run, and only it
    child = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT)
    print(child.pid, flush=True)
if child is not None and child.poll() is None:
    child.send_signal(signal.SIGTERM)
    child.wait(30)
"""


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


async def _healthy(port: int, pid: int, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if not _pid_alive(pid):
                raise AssertionError(f"openkrakow run exited:\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"openkrakow run not healthy in {timeout} s:\n{_tail(log)}")


@pytest.mark.slow
async def test_openkrakow_run_comes_back_at_once_after_a_power_cut(tmp_path: Path) -> None:
    data = tmp_path / "data"
    servers = data / "servers"
    port = free_port()
    log = tmp_path / "run.log"
    supervisor = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SUPERVISOR,
        str(log),
        sys.executable,
        "-m",
        "services.cli",
        "run",
        "--port",
        str(port),
        env=_run_env(data),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert supervisor.stdin is not None and supervisor.stdout is not None

    async def start() -> int:
        assert supervisor.stdin is not None and supervisor.stdout is not None
        supervisor.stdin.write(b"start\n")
        await supervisor.stdin.drain()
        return int(await asyncio.wait_for(supervisor.stdout.readline(), 30))

    marker = f"before-the-cut-{uuid.uuid4()}"
    try:
        run = await start()
        await _healthy(port, run, log)
        ports = json.loads((servers / "ports.json").read_text())
        # An open connection keeps a backend that outlives its killed postmaster for a moment.
        held = await asyncpg.connect(
            f"postgresql://postgres@127.0.0.1:{ports['postgres']}/openkrakow"
        )
        await held.execute("CREATE TABLE power_cut (note text)")
        await held.execute("INSERT INTO power_cut VALUES ($1)", marker)
        for cut in range(2):
            victims = [run, *_server_pids(servers)]
            assert len(victims) >= 5  # run, nats, redis, postmaster and its children
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):  # a backend ending on its own
                    os.kill(pid, signal.SIGKILL)
            began = time.monotonic()
            run = await start()  # at once, on the same data folder
            await _healthy(port, run, log)
            print(f"cut {cut}: back in {time.monotonic() - began:.1f} s")
        held.terminate()
        ports = json.loads((servers / "ports.json").read_text())
        conn = await asyncpg.connect(
            f"postgresql://postgres@127.0.0.1:{ports['postgres']}/openkrakow"
        )
        try:
            assert await conn.fetchval("SELECT note FROM power_cut") == marker
        finally:
            await conn.close()
        nc = await nats.connect(f"nats://127.0.0.1:{ports['nats']}")
        try:
            assert (await nc.jetstream().account_info()).streams >= 1
        finally:
            await nc.close()
    finally:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            supervisor.stdin.write(b"stop\n")
            await supervisor.stdin.drain()
            supervisor.stdin.close()
        try:
            await asyncio.wait_for(supervisor.wait(), 60)
        except TimeoutError:
            supervisor.kill()
            await supervisor.wait()


async def test_a_zombie_postmaster_and_its_exiting_backends_do_not_block_a_start(
    tmp_path: Path,
) -> None:
    """The killed postmaster's parent has not reaped it yet, so its pid still exists (postgres
    refuses over a postmaster.pid naming a live pid), and its backends are still exiting."""
    data_dir = tmp_path / "data"
    old = EmbeddedServers(data_dir, want_nats=False, want_redis=False)
    await old.start()
    assert old.database_url is not None and old.pgdata is not None
    conns = [await asyncpg.connect(old.database_url) for _ in range(3)]
    await conns[0].execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
    postmaster = old._servers["postgres"].proc
    # Like a power cut of the postmaster alone: this process, its parent, does not reap it.
    os.kill(postmaster.pid, signal.SIGKILL)
    old._servers.clear()
    await old.stop()  # releases the folder's lock only
    deadline = time.monotonic() + 10
    while _state(postmaster.pid) != "Z":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)

    new = EmbeddedServers(data_dir, want_nats=False, want_redis=False)
    try:
        await new.start()
        assert new.database_url is not None
        conn = await asyncpg.connect(new.database_url)
        try:
            assert await conn.fetchval("SELECT n FROM kept") == 42
        finally:
            await conn.close()
    finally:
        for c in conns:
            c.terminate()
        await new.destroy()
        try:
            postmaster.wait(5)
        except subprocess.TimeoutExpired:
            pass
