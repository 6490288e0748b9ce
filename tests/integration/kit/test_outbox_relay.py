"""Transactional outbox and relay: commit order, exactly one copy, one active relay, take-over."""

from __future__ import annotations

import asyncio
import random
import uuid

import asyncpg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared import outbox
from shared.bus import Bus
from shared.events import catalogue as ev
from shared.events import decode, encode, new_event, utcnow
from shared.outbox import OutboxRelay
from tests.conftest import Servers
from tests.helpers.waiting import eventually


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
            assert "inside the transaction" in str(exc)
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
        task.cancel()


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
        relay_task.cancel()
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
        relay_task.cancel()
    in_stream = await stream_events(bus, subject)
    assert in_stream == [slow_event.id, *(e.id for e in quick)]  # type: ignore[attr-defined]


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
        raise SystemExit("relay killed between publish and mark")


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
        await crashing._lead()
    except SystemExit:
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
        task.cancel()
    in_stream = await stream_events(bus, f"okr.kittest.{tag}")
    assert in_stream == [e.id for e in envelopes]  # once each, in order


async def test_only_one_relay_publishes_and_a_standby_takes_over(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    schema, pool = scratch
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
        assert first.is_leader and not second.is_leader
        assert first.lock_attempts == 1
        t1.cancel()  # the leader dies; its session lock goes with its connection
        await eventually(
            lambda: asyncio.sleep(0, second.is_leader), timeout=10, what="standby taking over"
        )
        tag = uuid.uuid4().hex
        envelope, subject = held(uuid.uuid4(), tag)
        async with pool.acquire() as conn, conn.transaction():
            await add_raw(conn, envelope, subject)
            await conn.execute("select pg_notify('okr_outbox', $1)", schema)
        await eventually(
            lambda: stream_events(bus, subject), what="event published by the new leader"
        )
    finally:
        t1.cancel()
        t2.cancel()


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
        task.cancel()


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
        await eventually(
            lambda: pool.fetchval("select count(*) = 0 from outbox where published_at is null"),
            what="the quick events published while the other transaction is still open",
        )
        assert not long_writer.is_closed() and long_writer.is_in_transaction()
        assert await stream_events(bus, subject) == [e.id for e in quick]  # type: ignore[attr-defined]
        await tx.rollback()
    finally:
        relay_task.cancel()
        await long_writer.execute(f"drop schema if exists {other} cascade")
        await long_writer.close()
