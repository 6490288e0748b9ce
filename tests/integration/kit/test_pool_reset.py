"""The pools send asyncpg's reset query only to connections marked as holding session state."""

from __future__ import annotations

import asyncpg

from shared.db import create_pool, lock_key, needs_reset
from tests.conftest import Servers

KEY = lock_key("test:pool-reset")


async def _lock_is_free(servers: Servers) -> bool:
    other = await asyncpg.connect(servers.database_url)
    try:
        free = bool(await other.fetchval("select pg_try_advisory_lock($1)", KEY))
        if free:
            await other.execute("select pg_advisory_unlock($1)", KEY)
        return free
    finally:
        await other.close()


async def test_a_marked_connection_is_reset_and_an_unmarked_one_is_not(servers: Servers) -> None:
    pool = await create_pool(servers.database_url, "public", min_size=1, max_size=1)
    try:
        # Marked (as send_mail does): the reset releases a session lock left behind.
        async with pool.acquire() as conn:
            needs_reset(conn)
            assert await conn.fetchval("select pg_try_advisory_lock($1)", KEY)
        assert await _lock_is_free(servers)

        # Unmarked: no reset round trip, so a session lock would outlive the use. Nothing in
        # the platform does this; the test shows what the mark is for.
        async with pool.acquire() as conn:
            assert await conn.fetchval("select pg_try_advisory_lock($1)", KEY)
        assert not await _lock_is_free(servers)
        async with pool.acquire() as conn:  # the pool's one connection: unlock it
            assert await conn.fetchval("select pg_advisory_unlock($1)", KEY)

        # An open transaction is still ended on release (asyncpg does that before any reset).
        async with pool.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            await conn.execute("select 1")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("select pg_current_xact_id_if_assigned() is null")
    finally:
        await pool.close()
