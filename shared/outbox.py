"""Transactional outbox: events written with the change, published by one relay per schema.

Ordering, the subtle part. An identity value is taken at INSERT, not at COMMIT, so with two
concurrent writers a row with a lower `seq` can become visible after a higher one; a relay that
reads "after the last seq" would skip it for good. We serialise outbox writers of a schema with a
transaction-scoped advisory lock taken just before the INSERT and held until COMMIT: whoever
inserts next waits until the previous writer has committed (or rolled back), so `seq` order is
commit order and rows become visible in `seq` order. `add()` should therefore be the last
statement of a transaction, which keeps the serialised window to one round trip.

Several relays may run; each holds a session advisory lock per schema on a dedicated connection
to be the one that publishes (SKIP LOCKED with several publishers would break order). The others
poll for the lock and take over within `standby_interval` when the leader's connection dies.
A crash between publishing and marking rows published re-publishes them: the stream drops
the repeats by Nats-Msg-Id within its duplicate window, and consumers' inboxes drop the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import asyncpg

from shared.bus import Bus
from shared.db import connect, lock_key
from shared.events import Envelope, encode

log = logging.getLogger("openkrakow.outbox")

NOTIFY_CHANNEL = "okr_outbox"


async def add(conn: asyncpg.Connection, *envelopes: Envelope) -> None:
    """Write events to the outbox of the connection's schema, inside the caller's transaction."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.add must run inside the transaction of the change")
    schema = await conn.fetchval("select current_schema()")
    await conn.execute("select pg_advisory_xact_lock($1)", lock_key(f"outbox:{schema}"))
    await conn.executemany(
        "insert into outbox(event_id, subject, body) values ($1, $2, $3)",
        [(e.id, e.subject, encode(e)) for e in envelopes],
    )
    # Delivered at COMMIT only, and dropped on rollback: exactly the hint the relay needs.
    await conn.execute("select pg_notify($1, $2)", NOTIFY_CHANNEL, schema)


class OutboxRelay:
    """Publishes a schema's outbox to JetStream in commit order; one active relay per schema."""

    def __init__(
        self,
        dsn: str,
        schema: str,
        bus: Bus,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        standby_interval: float = 1.0,
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.standby_interval = standby_interval
        self.is_leader = False
        self.published = 0
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled: win leadership, publish, and start over if the connection dies."""
        while True:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: back off and try again
                log.warning("outbox relay %s: %s; retrying", self.schema, exc)
                self.is_leader = False
                await asyncio.sleep(self.standby_interval)

    async def _lead(self) -> None:
        conn = await connect(self.dsn, self.schema)
        try:
            while not await conn.fetchval(
                "select pg_try_advisory_lock($1)", lock_key(f"relay:{self.schema}")
            ):
                await asyncio.sleep(self.standby_interval)
            self.is_leader = True
            log.info("outbox relay for %s is now active", self.schema)
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            while True:
                self._wake.clear()
                while await self.publish_pending(conn) == self.batch_size:
                    pass
                # The NOTIFY is only a hint; the timed wait covers a lost notification.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                if conn.is_closed():
                    raise ConnectionError("relay connection closed")
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == self.schema:
            self._wake.set()

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish one batch of unpublished rows in seq order; return how many."""
        rows = await conn.fetch(
            "select seq, event_id, subject, body from outbox where published_at is null "
            "order by seq limit $1",
            self.batch_size,
        )
        if not rows:
            return 0
        started = time.perf_counter()
        await self.bus.publish_raw_batch(
            [(str(r["event_id"]), r["subject"], r["body"]) for r in rows]
        )
        await conn.execute(
            "update outbox set published_at = now() where seq = any($1::bigint[])",
            [r["seq"] for r in rows],
        )
        self.published += len(rows)
        log.debug(
            "relay %s published %d events in %.1f ms",
            self.schema,
            len(rows),
            (time.perf_counter() - started) * 1000,
        )
        return len(rows)
