"""Transactional outbox and relay: commit order, exactly one copy, one active relay, take-over."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared import outbox
from shared.bus import Bus
from shared.events import catalogue as ev
from shared.events import decode, encode, new_event, utcnow
from shared.migrate import migrate
from shared.outbox import SETTLE_FIRST, SETTLE_MAX, OutboxRelay
from tests.conftest import Servers
from tests.helpers.waiting import eventually, stop_task


def held(edition_id: uuid.UUID, subject_tag: str) -> object:
    """A catalogued event whose subject is private to one test (okr.kittest.<tag>)."""
    envelope = new_event(
        ev.BenchEditionHeld(edition_id=edition_id, held_on=utcnow().date(), recorded_at=utcnow()),
        producer="kit-test",
    )
    return envelope, f"okr.kittest.{subject_tag}"


async def add_raw(conn: asyncpg.Connection, envelope: object, subject: str) -> None:
    """outbox.add, but on a test-private subject so other consumers never see these events."""
    await conn.execute(
        "insert into outbox(event_id, subject, body) values ($1, $2, $3)",
        envelope.id,
        subject,
        encode(envelope),  # type: ignore[attr-defined]
    )


async def stream_events(bus: Bus, subject: str) -> list[uuid.UUID]:
    """Every event id stored in the stream on `subject`, in stream order.

    Read up to the subject's last message at the time of the call (a watermark), never "until
    nothing came for a while": a slow machine must not make an empty answer out of a late one.
    """
    try:
        last = await bus.js.get_last_msg(bus.stream, subject)
    except NotFoundError:
        return []
    sub = await bus.js.subscribe(
        subject, ordered_consumer=True, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    )
    ids: list[uuid.UUID] = []
    try:
        while True:
            msg = await sub.next_msg(timeout=30)
            ids.append(decode(msg.data).id)
            if msg.metadata.sequence.stream >= last.seq:
                break
    finally:
        await sub.unsubscribe()
    return ids


async def published(pool: asyncpg.Pool, event_id: uuid.UUID) -> bool:
    return bool(
        await pool.fetchval(
            "select published_at is not null from outbox where event_id = $1", event_id
        )
    )


async def test_outbox_add_refuses_to_run_outside_a_transaction(
    scratch: tuple[str, asyncpg.Pool],
) -> None:
    _, pool = scratch
    envelope, _ = held(uuid.uuid4(), "x")
    async with pool.acquire() as conn:
        try:
            await outbox.add(conn, envelope)  # type: ignore[arg-type]
        except RuntimeError as exc:
            assert str(exc) == "outbox.add must run inside the transaction of the change"
        else:
            raise AssertionError("outbox.add outside a transaction must fail")
        assert await conn.fetchval("select count(*) from outbox") == 0


async def test_a_rolled_back_change_publishes_nothing(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    schema, pool = scratch
    tag = uuid.uuid4().hex
    envelope, subject = held(uuid.uuid4(), tag)
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await add_raw(conn, envelope, subject)
        await tx.rollback()
    # A marker committed after the rollback: once the relay (publishing in commit order) has
    # published it, it has looked past where the rolled-back row would be.
    marker, _ = held(uuid.uuid4(), tag)
    async with pool.acquire() as conn, conn.transaction():
        await add_raw(conn, marker, subject)
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.1)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: published(pool, marker.id), what="the marker published")  # type: ignore[attr-defined]
        assert await stream_events(bus, subject) == [marker.id]  # type: ignore[attr-defined]
    finally:
        await stop_task(task)


async def test_changes_of_one_aggregate_are_published_in_commit_order_exactly_once(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """Six writers change one aggregate (a row each locks) and six others change their own;
    every transaction stays open a little after its outbox insert: the window in which a
    naive relay would see a later seq before an earlier one commits."""
    schema, pool = scratch
    await pool.execute("create table aggregate (id int primary key, version int not null)")
    await pool.execute("insert into aggregate values (1, 0)")
    version_of: dict[uuid.UUID, int] = {}  # the aggregate's version each change made
    independent: list[uuid.UUID] = []

    async def writer(shares_aggregate: bool) -> None:
        for _ in range(10):
            envelope, _ = held(uuid.uuid4(), "x")
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("select pg_sleep($1)", random.random() / 200)
                if shares_aggregate:
                    version_of[envelope.id] = await conn.fetchval(  # type: ignore[attr-defined]
                        "update aggregate set version = version + 1 where id = 1 returning version"
                    )
                else:
                    await conn.execute("select pg_current_xact_id()")  # a writer, too
                await outbox.add(conn, envelope)  # type: ignore[arg-type]
                await conn.execute("select pg_sleep($1)", random.random() / 100)
            if not shares_aggregate:
                independent.append(envelope.id)  # type: ignore[attr-defined]

    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.05)
    relay_task = asyncio.create_task(relay.run())
    try:
        await asyncio.gather(*(writer(n % 2 == 0) for n in range(12)))
        await eventually(
            lambda: pool.fetchval(
                "select count(*) = 120 from outbox where published_at is not null"
            ),
            what="all 120 events published",
        )
    finally:
        await stop_task(relay_task)
    published = await stream_events(bus, "okr.bench.edition_held")
    ours = set(version_of) | set(independent)
    published = [i for i in published if i in ours]
    assert len(published) == 120 and set(published) == ours  # each once, none lost
    # One aggregate: the stream holds its events in the order their transactions committed
    # (the row lock orders them: versions 1, 2, 3, ...).
    versions = [version_of[i] for i in published if i in version_of]
    assert versions == list(range(1, 61))


async def test_a_long_transaction_delays_its_event_and_loses_nothing(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """The slow transaction inserts first (lower seq) and commits last: a relay reading "after
    the last seq" would skip it for good."""
    schema, pool = scratch
    tag = uuid.uuid4().hex
    subject = f"okr.kittest.{tag}"
    slow_event, _ = held(uuid.uuid4(), tag)
    quick = [held(uuid.uuid4(), tag)[0] for _ in range(3)]
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.05)
    relay_task = asyncio.create_task(relay.run())
    try:
        async with pool.acquire() as slow:
            tx = slow.transaction()
            await tx.start()
            await add_raw(slow, slow_event, subject)
            for envelope in quick:
                async with pool.acquire() as conn, conn.transaction():
                    await add_raw(conn, envelope, subject)
                    await conn.execute("select pg_notify('okr_outbox', $1)", schema)
            # Two more looks at the outbox after the quick ones committed (the first may have
            # begun before): the relay saw them and held them back.
            seen = relay.passes
            await eventually(
                lambda: asyncio.sleep(0, relay.passes >= seen + 2),
                what="the relay looking at the outbox after the quick commits",
            )
            # The quick ones wait for the slow one to settle: a later publication could not
            # otherwise be ordered after it, should it touch the same aggregate.
            assert await stream_events(bus, subject) == []
            assert relay.published == 0 and relay.unsettled
            await tx.commit()
        await eventually(
            lambda: pool.fetchval("select count(*) = 0 from outbox where published_at is null"),
            what="every event published once the slow transaction committed",
        )
    finally:
        await stop_task(relay_task)
    in_stream = await stream_events(bus, subject)
    assert in_stream == [slow_event.id, *(e.id for e in quick)]  # type: ignore[attr-defined]


class RelayKilled(BaseException):
    """The process dies (not an Exception: nothing in the relay catches it)."""


class CrashAfterPublish(OutboxRelay):
    """A relay that dies after JetStream acked the batch but before marking rows published."""

    async def publish_pending(self, conn: asyncpg.Connection) -> int:
        rows = await conn.fetch(
            "select seq, event_id, subject, body from outbox where published_at is null order by seq limit $1",
            self.batch_size,
        )
        await self.bus.publish_raw_batch(
            [(str(r["event_id"]), r["subject"], r["body"]) for r in rows]
        )
        raise RelayKilled("relay killed between publish and mark")


async def test_a_relay_killed_between_publish_and_mark_still_delivers_each_event_once(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    schema, pool = scratch
    tag = uuid.uuid4().hex
    envelopes = [held(uuid.uuid4(), tag)[0] for _ in range(5)]
    async with pool.acquire() as conn, conn.transaction():
        for envelope in envelopes:
            await add_raw(conn, envelope, f"okr.kittest.{tag}")
    crashing = CrashAfterPublish(servers.database_url, schema, bus)
    try:
        # Bounded: a relay that never takes the lock would wait in standby for ever.
        await asyncio.wait_for(crashing._lead(), timeout=10)
    except RelayKilled:
        pass
    assert await pool.fetchval("select count(*) from outbox where published_at is null") == 5
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.05)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(
            lambda: pool.fetchval("select count(*) = 0 from outbox where published_at is null"),
            what="re-publication after the crash",
        )
    finally:
        await stop_task(task)
    in_stream = await stream_events(bus, f"okr.kittest.{tag}")
    assert in_stream == [e.id for e in envelopes]  # once each, in order


def never_failed(relay: OutboxRelay) -> bool:
    """The relay won the lock once and kept it: no failure, no second start."""
    return relay.lock_attempts == 1 and relay.status.last_error is None


async def test_only_one_relay_publishes_and_a_standby_takes_over(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    schema, pool = scratch
    caplog.set_level(logging.INFO, logger="openkrakow.outbox")
    first = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.05, standby_interval=0.1)
    second = OutboxRelay(
        servers.database_url, schema, bus, poll_interval=0.05, standby_interval=0.1
    )
    t1 = asyncio.create_task(first.run())
    await eventually(lambda: asyncio.sleep(0, first.is_leader), what="first relay active")
    t2 = asyncio.create_task(second.run())
    try:
        # A third try at the lock means the first two were refused (a won lock is not tried
        # again): the standby is running, and waiting.
        await eventually(
            lambda: asyncio.sleep(0, second.lock_attempts >= 3), what="the standby trying the lock"
        )
        assert first.is_leader is True and second.is_leader is False
        assert (first.status.state, second.status.state) == ("active", "standby")
        assert first.lock_attempts == 1
        # Waiting for the lock is not a failure: nothing logged, no error told.
        assert first.status.last_error is None and second.status.last_error is None
        assert not [
            r
            for r in caplog.records
            if r.levelno >= logging.WARNING and r.name.startswith("openkrakow.outbox")
        ]
        await stop_task(t1)  # the leader dies; its session lock goes with its connection
        assert first.is_leader is False
        await eventually(
            lambda: asyncio.sleep(0, second.is_leader), timeout=10, what="standby taking over"
        )
        assert second.status.state == "active" and second.status.last_error is None
        said = [r.getMessage() for r in caplog.records]
        assert said.count(f"outbox relay for {schema} is now active") == 2, said
        tag = uuid.uuid4().hex
        envelope, subject = held(uuid.uuid4(), tag)
        async with pool.acquire() as conn, conn.transaction():
            await add_raw(conn, envelope, subject)
            await conn.execute("select pg_notify('okr_outbox', $1)", schema)
        await eventually(
            lambda: stream_events(bus, subject), what="event published by the new leader"
        )
    finally:
        await stop_task(t1)
        await stop_task(t2)


async def test_a_commit_wakes_the_idle_relay_at_once_not_at_its_next_poll(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """The NOTIFY of the commit wakes the relay of that schema: with a poll every minute, the
    event is still published within the test's wait."""
    schema, pool = scratch
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=60.0)
    task = asyncio.create_task(relay.run())
    try:
        # Leader, listening, and through its first look at the (empty) outbox: now idle.
        await eventually(lambda: asyncio.sleep(0, relay.passes >= 1), what="the relay idle")
        envelope, _ = held(uuid.uuid4(), "x")
        async with pool.acquire() as conn, conn.transaction():
            await outbox.add(conn, envelope)  # type: ignore[arg-type]
        await eventually(lambda: published(pool, envelope.id), what="published on the NOTIFY")  # type: ignore[attr-defined]
    finally:
        await stop_task(task)


async def test_a_long_transaction_writing_elsewhere_does_not_hold_the_relay_back(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """The snapshot's xmin is the whole server's; a transaction that wrote to another schema (as
    the indicators' projection does, or another database on a shared server) cannot commit a
    row of this outbox, so the rows committed after it began are published while it runs. One
    that wrote to this outbox still holds them back (the test above)."""
    schema, pool = scratch
    other = f"kit_other_{uuid.uuid4().hex[:8]}"
    tag = uuid.uuid4().hex
    subject = f"okr.kittest.{tag}"
    quick = [held(uuid.uuid4(), tag)[0] for _ in range(3)]
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.05)
    long_writer = await asyncpg.connect(servers.database_url)
    relay_task = asyncio.create_task(relay.run())
    try:
        await long_writer.execute(f"create schema {other}; create table {other}.t (v int)")
        tx = long_writer.transaction()
        await tx.start()
        await long_writer.execute(f"insert into {other}.t values (1)")  # it has an xid now
        for envelope in quick:
            async with pool.acquire() as conn, conn.transaction():
                await add_raw(conn, envelope, subject)
                await conn.execute("select pg_notify('okr_outbox', $1)", schema)
        async with pool.acquire() as conn:
            held_back = await conn.fetchval(
                "select bool_and(not txid < pg_snapshot_xmin(pg_current_snapshot())) from outbox"
            )
        assert held_back, "the server's xmin is below the quick rows while the writer runs"
        looks = relay.passes
        await eventually(
            lambda: pool.fetchval("select count(*) = 0 from outbox where published_at is null"),
            what="the quick events published while the other transaction is still open",
        )
        # Within a few looks (waits of 2, 4 and 8 ms pass PRECISE_AFTER, 5 ms), not after the
        # dozen or more that a second's wait would take: counted, not timed.
        assert relay.passes - looks <= 10, relay.passes - looks
        assert not long_writer.is_closed() and long_writer.is_in_transaction()
        assert await stream_events(bus, subject) == [e.id for e in quick]  # type: ignore[attr-defined]
        await tx.rollback()
    finally:
        await stop_task(relay_task)
        await long_writer.execute(f"drop schema if exists {other} cascade")
        await long_writer.close()


def test_a_new_relay_has_done_nothing_yet_and_runs_with_the_platforms_settings() -> None:
    """The runtime starts every relay with these defaults (it passes none): batches of 500, a
    look every second without a NOTIFY, a standby trying the lock every second. The counters the
    tests wait on start at zero (`passes >= 1` means "has looked once")."""
    relay = OutboxRelay("postgresql://unused", "kit_new", Bus.__new__(Bus))
    assert (relay.batch_size, relay.poll_interval, relay.standby_interval) == (500, 1.0, 1.0)
    assert relay.is_leader is False and relay.unsettled is False
    assert (relay.published, relay.lock_attempts, relay.passes) == (0, 0, 0)
    assert (relay.status.state, relay.status.last_error) == ("starting", None)


async def test_a_backlog_is_published_in_batches_of_500_one_after_the_other(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    """1,001 events waiting: batches of 500, 500 and 1 without a pause (the poll is a minute
    away), each logged with its size and time."""
    schema, pool = scratch
    caplog.set_level(logging.DEBUG, logger="openkrakow.outbox")
    tag = uuid.uuid4().hex
    async with pool.acquire() as conn, conn.transaction():
        for _ in range(1001):
            await add_raw(conn, held(uuid.uuid4(), tag)[0], f"okr.kittest.{tag}")
    batches: list[tuple[int, float]] = []  # size, milliseconds JetStream took
    publish = bus.publish_raw_batch

    async def timed(rows):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        await publish(rows)
        batches.append((len(rows), (time.perf_counter() - started) * 1000))

    bus.publish_raw_batch = timed  # type: ignore[method-assign]
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=60.0)
    began = time.perf_counter()
    task = asyncio.create_task(relay.run())
    try:
        await eventually(
            lambda: pool.fetchval("select count(*) = 0 from outbox where published_at is null"),
            what="the backlog published",
        )
        elapsed = (time.perf_counter() - began) * 1000
        assert [n for n, _ in batches] == [500, 500, 1]
        assert relay.published == 1001 and relay.unsettled is False
        assert never_failed(relay)
        # This relay's lines (a platform of the same test process may be publishing too).
        logged = [
            r.args
            for r in caplog.records
            if r.msg == "relay %s published %d events in %.1f ms" and r.args[0] == schema  # type: ignore[index]
        ]
        assert [(a[0], a[1]) for a in logged] == [(schema, 500), (schema, 500), (schema, 1)]  # type: ignore[index]
        for (_, took), args in zip(batches, logged, strict=True):
            assert took <= args[2] <= elapsed, (took, args, elapsed)  # type: ignore[index,operator]
    finally:
        await stop_task(task)


async def test_a_commit_without_a_notify_is_published_at_the_next_poll(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """A lost NOTIFY costs a poll interval, not the event; every look at the outbox is counted."""
    schema, pool = scratch
    looks = 0

    class Counted(OutboxRelay):
        async def publish_pending(self, conn: asyncpg.Connection) -> int:
            nonlocal looks
            looks += 1
            return await super().publish_pending(conn)

    relay = Counted(servers.database_url, schema, bus, poll_interval=0.1)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: asyncio.sleep(0, relay.passes >= 1), what="the relay idle")
        tag = uuid.uuid4().hex
        envelope, subject = held(uuid.uuid4(), tag)
        async with pool.acquire() as conn, conn.transaction():
            await add_raw(conn, envelope, subject)  # no NOTIFY
        await eventually(lambda: published(pool, envelope.id), what="published at a poll")  # type: ignore[attr-defined]
        seen = looks
        await eventually(lambda: asyncio.sleep(0, looks >= seen + 2), what="two more polls")
        assert relay.passes == looks and relay.published == 1 and relay.unsettled is False
        assert never_failed(relay)
    finally:
        await stop_task(task)


async def test_rows_held_back_are_looked_at_again_with_doubling_waits_reset_by_progress(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """Rows of transactions that started after a still-running one wait for it; the relay looks
    again after 2 ms, doubling up to 100 ms while nothing settles, and from 2 ms again after a
    look that published something (or after an idle spell)."""
    schema, pool = scratch
    tag = uuid.uuid4().hex
    subject = f"okr.kittest.{tag}"
    waits: list[tuple[int, float | None]] = []  # (published so far, seconds) per settle wait

    class Watched(OutboxRelay):
        async def _sleep_or_wake(self, seconds: float) -> None:
            waits.append((self.published, seconds))
            await super()._sleep_or_wake(seconds)

    async def open_with_xid(conn: asyncpg.Connection) -> asyncpg.transaction.Transaction:
        """A transaction that is writing to the outbox (it holds the table's lock, as an INSERT
        would) and has its transaction id: it could still commit an earlier row."""
        tx = conn.transaction()
        await tx.start()
        await conn.execute("lock table outbox in row exclusive mode")
        await conn.execute("select pg_current_xact_id()")  # takes its transaction id now
        return tx

    async def commit_row(notify: bool = False) -> uuid.UUID:
        envelope = held(uuid.uuid4(), tag)[0]
        async with pool.acquire() as conn, conn.transaction():
            await add_raw(conn, envelope, subject)
            if notify:
                await conn.execute("select pg_notify('okr_outbox', $1)", schema)
        return envelope.id  # type: ignore[attr-defined]

    def doubling(n: int) -> list[float]:
        out, w = [], SETTLE_FIRST
        for _ in range(n):
            out.append(w)
            w = min(w * 2, SETTLE_MAX)
        return out

    def since(published_count: int) -> list[float | None]:
        return [w for p, w in waits if p == published_count]

    relay = Watched(servers.database_url, schema, bus, poll_interval=60.0)
    async with pool.acquire() as c1, pool.acquire() as c3, pool.acquire() as c4:
        t1 = await open_with_xid(c1)
        first = await commit_row()  # started after t1: waits for it
        t3 = await open_with_xid(c3)
        second = await commit_row()  # started after t3: waits for it too
        task = asyncio.create_task(relay.run())  # its first look already finds them held back
        try:
            await eventually(
                lambda: asyncio.sleep(0, SETTLE_MAX in since(0)), what="the wait backed off"
            )
            await t1.commit()  # `first` settles, `second` still waits for t3
            await eventually(lambda: published(pool, first), what="the first row published")
            await eventually(lambda: asyncio.sleep(0, len(since(1)) >= 2), what="two more looks")
            await t3.commit()
            await eventually(lambda: published(pool, second), what="the second row published")
            # Idle now (nothing held back); a new hold-up starts from the shortest wait again.
            t4 = await open_with_xid(c4)
            third = await commit_row(notify=True)
            await eventually(lambda: asyncio.sleep(0, len(since(2)) >= 2), what="held back")
            await t4.commit()
            await eventually(lambda: published(pool, third), what="the third row published")
        finally:
            await stop_task(task)
    held_first = since(0)
    assert held_first == pytest.approx(doubling(len(held_first))), held_first
    for after in (since(1), since(2)):
        assert after == pytest.approx(doubling(len(after))), after
    assert relay.published == 3 and never_failed(relay)


async def test_a_relay_that_cannot_reach_its_database_says_so_and_keeps_trying(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    schema, _ = scratch
    caplog.set_level(logging.WARNING, logger="openkrakow.outbox")
    missing = f"kit_missing_{uuid.uuid4().hex[:8]}"
    dsn = urlsplit(servers.database_url)._replace(path=f"/{missing}").geturl()
    relay = OutboxRelay(dsn, schema, bus, standby_interval=0.05)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: asyncio.sleep(0, relay.status.attempts >= 2), what="a retry")
        error = f'database "{missing}" does not exist'
        assert (relay.status.state, relay.status.last_error) == ("retrying", error)
        assert relay.is_leader is False and relay.lock_attempts == 0
        said = [r.getMessage() for r in caplog.records]
        assert said.count(f"outbox relay {schema}: {error}; retrying") >= 2, said
    finally:
        await stop_task(task)


async def test_relays_of_two_schemas_both_lead(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    """The leadership lock is per schema: each service's outbox has its own relay."""
    schema, _ = scratch
    other = f"kit_{uuid.uuid4().hex[:8]}"
    await migrate(servers.database_url, other, None)
    relays = [OutboxRelay(servers.database_url, s, bus) for s in (schema, other)]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        await eventually(
            lambda: asyncio.sleep(0, all(r.is_leader for r in relays)), what="both leading"
        )
        assert [r.lock_attempts for r in relays] == [1, 1]
    finally:
        for t in tasks:
            await stop_task(t)


async def test_a_relay_whose_connection_dies_says_so_and_leads_again(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    """The server ends the relay's session (a restart, an administrator): at its next wake the
    relay finds its connection closed, says so, and takes the lock again on a new one."""
    schema, pool = scratch
    caplog.set_level(logging.WARNING, logger="openkrakow.outbox")

    class Kept(OutboxRelay):
        conn: asyncpg.Connection | None = None

        async def _try_lock(self, conn: asyncpg.Connection) -> bool:
            self.conn = conn
            return await super()._try_lock(conn)

    relay = Kept(servers.database_url, schema, bus, poll_interval=60.0, standby_interval=0.05)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: asyncio.sleep(0, relay.passes >= 1), what="the relay idle")
        first = relay.conn
        assert first is not None
        await pool.execute("select pg_terminate_backend($1)", first.get_server_pid())
        await eventually(lambda: asyncio.sleep(0, first.is_closed()), what="the session ended")
        relay._wake.set()  # as a NOTIFY or the poll would
        await eventually(
            lambda: asyncio.sleep(0, relay.is_leader and relay.lock_attempts == 2),
            what="the lock taken again",
        )
        assert relay.status.last_error == "relay connection closed"
        assert relay.status.state == "active"
        said = [r.getMessage() for r in caplog.records]
        assert said == [f"outbox relay {schema}: relay connection closed; retrying"], said
    finally:
        await stop_task(task)
