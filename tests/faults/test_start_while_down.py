"""A process that starts while PostgreSQL or NATS is down or restarting waits for it, then starts;
it does not exit (the chaos test once restarted a part while PostgreSQL was restarting, and the
part died at its version check). After `STARTUP_WAIT_SECONDS` it gives up, naming the server."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.indicators.app import service as indicators_spec
from shared import health, mail
from shared.embedded import EmbeddedServers
from shared.runtime import Runtime, ServerUnreachable
from tests.helpers.platform import test_settings
from tests.helpers.waiting import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
async def own_servers(tmp_path: Path) -> AsyncIterator[EmbeddedServers]:
    """Servers of this test alone: it stops them."""
    servers = EmbeddedServers(tmp_path / "servers")
    try:
        await servers.start()
        yield servers
    finally:
        await servers.destroy()


def _runtime(servers: EmbeddedServers, tmp_path: Path, **overrides: object) -> Runtime:
    assert servers.database_url and servers.nats_url and servers.redis_url
    settings = test_settings(
        tmp_path, servers.database_url, servers.nats_url, servers.redis_url, **overrides
    )
    return Runtime(settings, [indicators_spec])


@pytest.mark.parametrize("server", ["PostgreSQL", "NATS", "Redis"])
async def test_a_process_started_while_a_server_is_down_waits_for_it(
    own_servers: EmbeddedServers,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    server: str,
) -> None:
    name = {"PostgreSQL": "postgres", "NATS": "nats", "Redis": "redis"}[server]
    await own_servers._stop_one(name)
    start = {
        "PostgreSQL": own_servers.start_postgres,
        "NATS": own_servers.start_nats,
        "Redis": own_servers.start_redis,
    }[server]
    caplog.set_level(logging.WARNING, logger="openkrakow")
    runtime = _runtime(own_servers, tmp_path)
    connecting = asyncio.create_task(runtime.connect())
    try:

        async def warned() -> bool:
            return any(
                (r.name == "openkrakow.runtime" and f"{server} at" in r.getMessage())
                # nats-py tries the first connection again itself, each failure logged
                or (server == "NATS" and r.name == "openkrakow.bus" and "nats error" in r.msg)
                for r in caplog.records
            )

        await eventually(warned, timeout=30, what=f"a warning that {server} is not reachable")
        assert not connecting.done(), "the start must wait for the server, not end"
        await start()
        await asyncio.wait_for(connecting, timeout=60)
        assert runtime.bus is not None and runtime.jobs is not None
        pool = runtime.pool(indicators_spec.schema)
        # The migrations ran: the schema's tables answer.
        assert await pool.fetchval("select count(*) from inbox") >= 0
        assert set(runtime.versions) == {"postgresql", "nats", "redis"}
    finally:
        if not connecting.done():
            connecting.cancel()
        await runtime.close()


@pytest.mark.parametrize("server", ["PostgreSQL", "NATS"])
async def test_a_server_that_stays_down_ends_the_start_naming_it(
    own_servers: EmbeddedServers, tmp_path: Path, server: str
) -> None:
    await own_servers._stop_one({"PostgreSQL": "postgres", "NATS": "nats"}[server])
    runtime = _runtime(own_servers, tmp_path, startup_wait_seconds=2)
    started = time.monotonic()
    try:
        with pytest.raises(ServerUnreachable) as gave_up:
            await asyncio.wait_for(runtime.connect(), timeout=30)
    finally:
        await runtime.close()
    message = str(gave_up.value)
    scheme = {"PostgreSQL": "postgresql", "NATS": "nats"}[server]
    assert message.startswith(f"{server} at {scheme}://"), message
    assert "within 2 s (STARTUP_WAIT_SECONDS)" in message
    # It waited its 2 s, and gave up by itself (a hang would end in wait_for's TimeoutError
    # instead); the upper bound is loose: a CI machine running two suites is slow to start one.
    assert 2 <= time.monotonic() - started < 25


async def test_the_job_worker_rides_out_a_redis_restart_and_runs_jobs_after_it(
    own_servers: EmbeddedServers, tmp_path: Path
) -> None:
    """A worker whose Redis connection failed stopped for good (a CI run: one connection timed
    out on a loaded machine, and no mail left that process again). It starts again, says so on
    /health's report, and the jobs queued meanwhile run."""
    runtime = _runtime(own_servers, tmp_path)
    await runtime.connect()
    try:
        await runtime.start_parts(frozenset({"worker"}))
        status = runtime.worker_status
        assert status is not None

        async def in_state(state: str) -> bool:
            return status.state == state

        await eventually(lambda: in_state("running"), what="the worker running")
        await own_servers._stop_one("redis")
        await eventually(lambda: in_state("retrying"), timeout=60, what="the worker failing")
        assert status.last_error
        report, _failing = await health.parts_report(runtime)
        assert report["worker"]["state"] == "retrying"
        assert report["worker"]["last_error"] == status.last_error

        # A mail queued while Redis is down: its job is enqueued once Redis is back.
        message = mail.compose(
            sender="no-reply@openkrakow.local", to="ala@example.org", subject="Hi", text="Hej"
        )
        pool = runtime.pool(indicators_spec.schema)
        async with pool.acquire() as conn, conn.transaction():
            mail_id = await mail.queue(conn, message, purpose="test")
        await own_servers.start_redis()
        await eventually(lambda: in_state("running"), timeout=60, what="the worker again")
        await runtime.send_mail_soon(indicators_spec.schema, mail_id)

        async def sent() -> bool:
            return bool(
                await pool.fetchval(
                    "select sent_at is not null from outgoing_mail where id = $1", mail_id
                )
            )

        await eventually(sent, timeout=60, what="the mail sent by the restarted worker")
        report, failing = await health.parts_report(runtime)
        assert report["worker"]["state"] == "running" and "worker" not in failing
    finally:
        await runtime.close()
