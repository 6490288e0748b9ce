"""Fixtures for kit tests: a scratch schema with the kit's tables, and a bus connection."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.bus import Bus
from shared.db import create_pool
from shared.migrate import migrate
from tests.conftest import Servers


@pytest.fixture
async def scratch(servers: Servers) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A fresh schema holding only the kit's tables (outbox, inbox, dead letters...)."""
    schema = f"kit_{uuid.uuid4().hex[:8]}"
    await migrate(servers.database_url, schema, None)
    pool = await create_pool(servers.database_url, schema, max_size=10)
    try:
        yield schema, pool
    finally:
        await pool.close()


@pytest.fixture
async def bus(servers: Servers) -> AsyncIterator[Bus]:
    """A JetStream connection with the platform's stream ensured."""
    b = await Bus.connect(servers.nats_url, name="kit-test")
    await b.ensure_stream()
    try:
        yield b
    finally:
        await b.close()
