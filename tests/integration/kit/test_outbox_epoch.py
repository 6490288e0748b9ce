"""The relay's writers horizon past the first transaction-id epoch (shared/outbox.py).

`WRITERS_HORIZON` matches the 32-bit xid that pg_stat_activity gives a writer to the 64-bit
xid8 of the snapshot (`x % 2^32`). At epoch 0 the two are equal, so every other test would pass
with the mapping gone; a server that has run 4 billion transactions is at epoch 1. Here a
PostgreSQL of its own is moved there (`pg_resetwal -e 1`) before the writers start.

The first version of this test found a second flaw, at any epoch: the query looked writers up in
the snapshot's list of running xids, and PostgreSQL reuses a backend's snapshot while no
transaction has ended, so writers that began since (above its xmax, in no list) were not found:
"no writer running" while two were."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from shared.embedded import EmbeddedServers
from shared.outbox import writers_horizon

EPOCH = 2**32


@pytest.fixture
async def past_the_first_epoch(tmp_path: Path) -> AsyncIterator[str]:
    """A database URL of a PostgreSQL whose transaction ids are in epoch 1."""
    servers = EmbeddedServers(tmp_path / "servers", want_nats=False, want_redis=False)
    await servers.start()
    try:
        await servers._stop_one("postgres")
        assert servers._pg_bin is not None and servers.pgdata is not None
        assert servers._run_as is not None
        await asyncio.to_thread(
            subprocess.run,
            [str(servers._pg_bin / "pg_resetwal"), "-e", "1", "-D", str(servers.pgdata)],
            check=True,
            capture_output=True,
            **servers._run_as.popen_kwargs(),
        )
        await servers.start_postgres()
        assert servers.database_url
        yield servers.database_url
    finally:
        await servers.destroy()


async def test_the_oldest_writer_of_the_outbox_is_found_in_epoch_one(
    past_the_first_epoch: str,
) -> None:
    url = past_the_first_epoch
    setup = await asyncpg.connect(url)
    await setup.execute(
        """create schema s;
           create table s.outbox (
               seq bigint generated always as identity primary key, subject text not null,
               txid xid8 not null default pg_current_xact_id(), published_at timestamptz);
           create table s.other (note text)"""
    )
    await setup.close()
    settings = {"search_path": "s"}
    elsewhere, writer, later, relay = [
        await asyncpg.connect(url, server_settings=settings) for _ in range(4)
    ]
    try:
        # An older transaction writing elsewhere: it holds back the server-wide xmin, not the
        # outbox's horizon.
        await elsewhere.execute("begin; insert into other values ('elsewhere')")
        await writer.execute("begin; insert into outbox(subject) values ('first')")
        await later.execute("begin; insert into outbox(subject) values ('second')")
        first = int(await writer.fetchval("select pg_current_xact_id()::text"))
        second = int(await later.fetchval("select pg_current_xact_id()::text"))
        old = int(await elsewhere.fetchval("select pg_current_xact_id()::text"))
        assert EPOCH <= old < first < second < 2 * EPOCH, "the server is not in epoch 1"

        assert await writers_horizon(relay) == first  # the oldest writer of the outbox
        await writer.execute("commit")
        assert await writers_horizon(relay) == second
        await later.execute("commit")
        assert await writers_horizon(relay) is None  # no writer left: every row is settled
        # The server-wide xmin still stands at the transaction writing elsewhere.
        xmin = int(await relay.fetchval("select pg_snapshot_xmin(pg_current_snapshot())::text"))
        assert xmin == old
    finally:
        await elsewhere.execute("rollback")
        for conn in (elsewhere, writer, later, relay):
            await conn.close()
