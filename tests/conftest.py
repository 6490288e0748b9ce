"""Test fixtures: real PostgreSQL, NATS (JetStream) and Redis for the whole session.

By default the servers are the platform's embedded ones, started in a temporary folder, as a new
user would have them. With TEST_DATABASE_URL, TEST_NATS_URL and TEST_REDIS_URL set, the suite uses
those servers instead, with a fresh database and a purged stream.
"""

from __future__ import annotations

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


async def _fresh_database(admin_url: str) -> str:
    name = f"okr_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
async def servers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Servers]:
    """Real servers for the session (embedded unless TEST_*_URL are given)."""
    db, nats_url, redis_url = (
        os.environ.get(f"TEST_{n}_URL") for n in ("DATABASE", "NATS", "REDIS")
    )
    if db and nats_url and redis_url:
        import nats
        import redis.asyncio as aioredis

        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            try:
                await js.delete_stream(os.environ.get("NATS_STREAM", "OPENKRAKOW"))
            except Exception:  # noqa: BLE001 - absent is fine
                pass
        finally:
            await nc.close()
        r = aioredis.from_url(redis_url)
        await r.flushdb()
        await r.aclose()
        yield Servers(await _fresh_database(db), nats_url, redis_url)
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
