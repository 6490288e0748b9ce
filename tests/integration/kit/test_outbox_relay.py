"""Transactional outbox and relay: commit order, exactly one copy, one active relay, take-over."""

from __future__ import annotations

import asyncio
import random
import uuid

import asyncpg
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared import outbox
from shared.bus import Bus
from shared.db import lock_key
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
    schema = await conn.fetchval("select current_schema()")
    await conn.execute("select pg_advisory_xact_lock($1)", lock_key(f"outbox:{schema}"))
    await conn.execute(
        "insert into outbox(event_id, subject, body) values ($1, $2, $3)",
        envelope.id,
        subject,
        encode(envelope),  # type: ignore[attr-defined]
    )


async def stream_events(bus: Bus, subject: str) -> list[uuid.UUID]:
    """Every event id stored in the stream on `subject`, in stream order."""
    sub = await bus.js.subscribe(
        subject, ordered_consumer=True, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    )
    ids: list[uuid.UUID] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except Exception:  # noqa: BLE001 - timeout: no more messages
                break
            ids.append(decode(msg.data).id)
    finally:
        await sub.unsubscribe()
    return ids


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
    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.1)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: asyncio.sleep(0, relay.is_leader), what="relay leadership")
        await asyncio.sleep(0.3)
        assert await stream_events(bus, subject) == []
    finally:
        task.cancel()


async def test_concurrent_writers_are_published_in_commit_order_exactly_once(
    scratch: tuple[str, asyncpg.Pool], servers: Servers, bus: Bus
) -> None:
    schema, pool = scratch
    tag = uuid.uuid4().hex
    committed: list[uuid.UUID] = []

    async def writer(n: int) -> None:
        for _ in range(10):
            envelope, _ = held(uuid.uuid4(), tag)
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("select pg_sleep($1)", random.random() / 200)
                await outbox.add(conn, envelope)  # type: ignore[arg-type]
                # Keep the transaction open a little after the insert: the window in which a
                # naive relay would see a later seq before this one commits.
                await conn.execute("select pg_sleep($1)", random.random() / 100)
            committed.append(envelope.id)  # type: ignore[attr-defined]

    relay = OutboxRelay(servers.database_url, schema, bus, poll_interval=0.05)
    relay_task = asyncio.create_task(relay.run())
    try:
        await asyncio.gather(*(writer(n) for n in range(6)))
        await eventually(
            lambda: pool.fetchval(
                "select count(*) = 60 from outbox where published_at is not null"
            ),
            what="all 60 events published",
        )
    finally:
        relay_task.cancel()
    seq_order = [
        r["event_id"] for r in await pool.fetch("select event_id from outbox order by seq")
    ]
    published = [
        i for i in await stream_events(bus, "okr.bench.edition_held") if i in set(committed)
    ]
    assert len(published) == 60 and len(set(published)) == 60
    assert published == seq_order
    # Commit order: the stream holds the events in the order their transactions committed.
    assert published == committed


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
        await asyncio.sleep(0.5)
        assert first.is_leader and not second.is_leader
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
