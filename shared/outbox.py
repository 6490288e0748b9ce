"""Transactional outbox: events written with the change, published by one relay per schema.

Ordering, the subtle part. An identity value is taken at INSERT, not at COMMIT, so with two
concurrent writers a row with a lower `seq` can become visible after a higher one; a relay that
reads "after the last seq" would skip it for good. So the relay never reads "after the last
seq": it reads every unpublished row, and publishes a row only once its transaction has settled,
i.e. its `txid` (xid8, pg_current_xact_id() at insert) is below the xmin of the relay's snapshot
(`pg_snapshot_xmin(pg_current_snapshot())`): no transaction that could still commit an earlier
row is running. It publishes, in `seq` order, the visible unpublished rows up to the first one
that has not settled yet. That xmin is the whole server's: a transaction writing elsewhere (the
indicators' projection, another database on a shared server) would hold the rows back for as
long as it runs. So when rows have been held back for `PRECISE_AFTER` (5 ms: under a steady load
the outbox's own writers hold rows back for a millisecond or two), the relay asks which running
transactions have
written to this outbox (they hold its RowExclusiveLock until they end: `WRITERS_HORIZON`) and
settles below the oldest of them: only those can still commit an earlier row of it. (One that
commits between the relay's two statements is no longer counted; what it wrote can only be of
an aggregate that none of the rows published then touch, since those committed while it held
its aggregate's row.) Writers do not wait for one another, so their commits group in one WAL
flush.

What order this guarantees: events of one aggregate reach consumers in the order they were
committed. Two changes of one aggregate conflict on its row; the second writer gets the row
only after the first committed, and `add()` is the last statement of a transaction, so the
second row's `seq` is higher, and the first row was visible before it: the prefix rule
publishes the first no later than the second. (Settling alone is not monotonic: the second
writer may have been given its xid before the first, while it waited for the row.) Changes of
different aggregates that committed concurrently may be published in either order.
A long transaction delays the rows of transactions that started after it, never loses them.

Several relays may run; each holds a session advisory lock per schema on a dedicated connection
to be the one that publishes (SKIP LOCKED with several publishers would break order). The others
poll for the lock and take over within `standby_interval` when the leader's connection dies.
A crash between publishing and marking rows published re-publishes them: the stream drops
the repeats by Nats-Msg-Id within its duplicate window, and consumers' inboxes drop the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time

import asyncpg

from shared import latency
from shared.bus import Bus
from shared.db import connect, lock_key
from shared.events import Envelope, encode
from shared.inbox import PartState, describe

log = logging.getLogger("openkrakow.outbox")

NOTIFY_CHANNEL = "okr_outbox"
SETTLE_FIRST = 0.002  # seconds before looking again at rows of running transactions
SETTLE_MAX = 0.1
# Rows held back this long by the server-wide xmin are settled against this outbox's writers
# alone (one query of pg_locks): under a steady load the writers of this outbox hold rows back
# for a millisecond or two at a time, and asking then would cost a query per look for nothing.
PRECISE_AFTER = 0.005


async def add(conn: asyncpg.Connection, *envelopes: Envelope) -> None:
    """Write events to the outbox of the connection's schema, inside the caller's transaction."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.add must run inside the transaction of the change")
    # One round trip. The NOTIFY is delivered at COMMIT only, and dropped on rollback: exactly
    # the hint the relay needs.
    await conn.execute(
        """with hint as materialized (select pg_notify($1, current_schema()))
           insert into outbox(event_id, subject, body)
           select e.id, e.subject, e.body
           from hint, unnest($2::uuid[], $3::text[], $4::bytea[]) as e(id, subject, body)""",
        NOTIFY_CHANNEL,
        [e.id for e in envelopes],
        [e.subject for e in envelopes],
        [encode(e) for e in envelopes],
    )


# The oldest transaction still running that has written to the outbox of the connection's
# schema: it holds the table's RowExclusiveLock until it ends (fast-path locks included in
# pg_locks). pg_stat_activity gives its 32-bit xid; its xid8 is the one within 2^31 of the
# snapshot's xmax (a running xid never lies further: wraparound protection). Not looked up in the
# snapshot's list of running xids: PostgreSQL reuses a backend's snapshot while no transaction has
# ended, and a writer that began since is then above xmax, in no list (the query found no
# writer there: tests/integration/kit/test_outbox_epoch.py). NULL when no other transaction holds the lock.
WRITERS_HORIZON = """
    with writers as (
        select a.backend_xid::text::bigint as xid
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'relation' and l.relation = 'outbox'::regclass
          and l.pid <> pg_backend_pid() and a.backend_xid is not null),
    near as (
        select w.xid + x.xmax - x.xmax % 4294967296 as xid8, x.xmax
        from writers w,
             (select pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xmax) x)
    select min(case when xid8 > xmax + 2147483648 then xid8 - 4294967296
                    when xid8 < xmax - 2147483648 then xid8 + 4294967296
                    else xid8 end)
    from near
"""


async def writers_horizon(conn: asyncpg.Connection) -> int | None:
    """Rows of this schema's outbox with a lower txid are settled: no transaction that could
    still commit an earlier row of it is running. None: no writer of it is running."""
    value = await conn.fetchval(WRITERS_HORIZON)
    return None if value is None else int(value)


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
        self.unsettled = False  # rows were seen whose transactions were still running
        self._held_since: float | None = None  # since when rows have been held back
        # standby (another relay publishes), active (this one does) or retrying (failing)
        self.status = PartState()
        # Progress anyone may watch (the tests wait on these, never on the clock): tries at the
        # leadership lock, and looks at the outbox.
        self.lock_attempts = 0
        self.passes = 0
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled: win leadership, publish, and start over if the connection dies."""
        while True:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: back off and try again
                self.status.failed(describe(exc))
                log.warning("outbox relay %s: %s; retrying", self.schema, describe(exc))
                self.is_leader = False
                await asyncio.sleep(self.standby_interval)

    async def _lead(self) -> None:
        conn = await connect(self.dsn, self.schema)
        try:
            while not await self._try_lock(conn):
                self.status.up("standby")
                await asyncio.sleep(self.standby_interval)
            self.is_leader = True
            self.status.up("active")
            log.info("outbox relay for %s is now active", self.schema)
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            settle_wait = SETTLE_FIRST
            while True:
                self._wake.clear()
                published = await self.publish_pending(conn)
                progress = published > 0
                while published == self.batch_size:
                    published = await self.publish_pending(conn)
                if self.unsettled:
                    # Rows of running transactions: look again soon, NOTIFY or not. Under a
                    # steady load some transaction is nearly always running, so the wait backs
                    # off only while nothing settles (one transaction staying open long): a
                    # pass that published starts again from the shortest wait (backing off
                    # across busy passes held rows back up to SETTLE_MAX, the freshness tail).
                    if progress:
                        settle_wait = SETTLE_FIRST
                    await self._sleep_or_wake(settle_wait)
                    settle_wait = min(settle_wait * 2, SETTLE_MAX)
                else:
                    settle_wait = SETTLE_FIRST
                    # The NOTIFY is only a hint; the timed wait covers a lost notification.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                if conn.is_closed():
                    raise ConnectionError("relay connection closed")
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)

    async def _sleep_or_wake(self, seconds: float) -> None:
        """Wait `seconds`, or less when a NOTIFY says a transaction committed new rows (it
        may be the one that held the others back)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _try_lock(self, conn: asyncpg.Connection) -> bool:
        self.lock_attempts += 1
        return bool(
            await conn.fetchval("select pg_try_advisory_lock($1)", lock_key(f"relay:{self.schema}"))
        )

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == self.schema:
            self._wake.set()

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        """Publish the settled rows of one batch of unpublished rows, in seq order; return how many."""
        fetched = await conn.fetch(
            "select seq, event_id, subject, body, txid, "
            "txid < pg_snapshot_xmin(pg_current_snapshot()) as settled "
            "from outbox where published_at is null order by seq limit $1",
            self.batch_size,
        )
        # Only the settled prefix: a committed row can be unsettled (an older transaction still
        # runs) while a later one of the same aggregate is settled already (its xid came first,
        # it waited for the row lock); publishing past the first unsettled row would reorder them.
        rows = list(itertools.takewhile(lambda r: r["settled"], fetched))
        held = len(rows) < len(fetched)
        now = time.monotonic()
        if not held or rows:  # nothing held back, or the head moved: a new hold-up from now
            self._held_since = now if held else None
        elif self._held_since is None:
            self._held_since = now
        if held and not rows and now - (self._held_since or now) >= PRECISE_AFTER:
            # The snapshot's xmin is the whole server's: any writing transaction, in any schema
            # or database, held these rows back. Only writers of this outbox can still commit
            # an earlier row of it: the horizon is the oldest of them (none: every row is).
            horizon = await writers_horizon(conn)
            rows = list(
                itertools.takewhile(lambda r: horizon is None or r["txid"] < horizon, fetched)
            )
        self.unsettled = len(rows) < len(fetched)
        self.passes += 1
        if not rows:
            return 0
        started = time.perf_counter()
        await self.bus.publish_raw_batch(
            [(str(r["event_id"]), r["subject"], r["body"]) for r in rows]
        )
        latency.observe_published([r["body"] for r in rows])
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
