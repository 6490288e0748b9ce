"""Test fixtures: real PostgreSQL, NATS (JetStream) and Redis for the whole session.

By default the servers are the platform's embedded ones, started in a temporary folder, as a new
user would have them. With TEST_DATABASE_URL, TEST_NATS_URL and TEST_REDIS_URL set, the suite uses
those servers instead (.ci/run does so with the machine's own, older ones): a fresh database
(dropped afterwards), the stream deleted, the Redis database flushed. The stream's subjects and
the Redis keys cannot be told apart between runs, so a session holds a PostgreSQL advisory lock
on those servers: a second suite against the same servers waits for the first to finish.
TEST_SERVERS_SHARED=0 says the servers are this run's alone and skips that lock (the mutation
report's kit set, tests/mutation.py, runs one mutant at a time against them and would otherwise
queue behind nothing but itself); unset, the lock is taken.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from tests.helpers.platform import RunningPlatform, running_platform, test_settings


@dataclass
class Servers:
    database_url: str
    nats_url: str
    redis_url: str
    embedded: object | None = None


SYSTEM_SERVERS_LOCK = 0x6F6B725F74657374  # pg_advisory_lock key: one suite at a time


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (`slow`: the fault tests, schemathesis) first, the rest in their order: with
    the suite split over processes, a long test started last would keep one process busy alone
    at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    """Given servers serve one session at a time (the stream's subjects and the Redis keys are
    the platform's own), so parallel processes on them would wait on each other for ever."""
    given = all(os.environ.get(f"TEST_{n}_URL") for n in ("DATABASE", "NATS", "REDIS"))
    workers = getattr(config.option, "numprocesses", None)
    if given and workers not in (None, 0):
        raise pytest.UsageError(
            "TEST_DATABASE_URL, TEST_NATS_URL and TEST_REDIS_URL serve one test process at a "
            f"time: run without -n {workers} (or with -n 0); the embedded servers run in parallel"
        )


async def _fresh_database(admin: asyncpg.Connection, admin_url: str) -> tuple[str, str]:
    name = f"okr_test_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'create database "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return name, f"{base}/{name}"


@contextlib.asynccontextmanager
async def system_servers(db: str, nats_url: str, redis_url: str) -> AsyncIterator[Servers]:
    """The given servers, to this session alone, with a fresh database and no earlier events."""
    import nats
    import redis.asyncio as aioredis

    admin = await asyncpg.connect(db)
    shared = os.environ.get("TEST_SERVERS_SHARED", "1") != "0"
    try:
        if shared and not await admin.fetchval(
            "select pg_try_advisory_lock($1)", SYSTEM_SERVERS_LOCK
        ):
            print("\nanother test session uses these servers; waiting for it to finish")
            await admin.execute("select pg_advisory_lock($1)", SYSTEM_SERVERS_LOCK)
        nc = await nats.connect(nats_url)
        try:
            with contextlib.suppress(Exception):  # absent is fine
                await nc.jetstream().delete_stream(os.environ.get("NATS_STREAM", "OPENKRAKOW"))
        finally:
            await nc.close()
        r = aioredis.from_url(redis_url)
        await r.flushdb()
        await r.aclose()
        name, url = await _fresh_database(admin, db)
        try:
            yield Servers(url, nats_url, redis_url)
        finally:
            with contextlib.suppress(Exception):
                await admin.execute(f'drop database "{name}" with (force)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def servers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Servers]:
    """Real servers for the session (embedded unless TEST_*_URL are given)."""
    db, nats_url, redis_url = (
        os.environ.get(f"TEST_{n}_URL") for n in ("DATABASE", "NATS", "REDIS")
    )
    if db and nats_url and redis_url:
        async with system_servers(db, nats_url, redis_url) as given:
            yield given
        return
    from shared.embedded import EmbeddedServers

    embedded = EmbeddedServers(tmp_path_factory.mktemp("servers"))
    await embedded.start()
    try:
        assert embedded.database_url and embedded.nats_url and embedded.redis_url
        yield Servers(embedded.database_url, embedded.nats_url, embedded.redis_url, embedded)
    finally:
        await embedded.destroy()


@pytest.fixture(scope="session")
async def platform(
    servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningPlatform]:
    """The whole platform (every service and part) served over HTTP for the session."""
    from services.registry import all_services

    tmp: Path = tmp_path_factory.mktemp("platform")
    settings = test_settings(tmp, servers.database_url, servers.nats_url, servers.redis_url)
    async with running_platform(settings, all_services()) as running:
        yield running
