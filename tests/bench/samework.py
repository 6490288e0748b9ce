"""The same-work ceiling (issue 18, part 1): a question's durable work, written bare.

The bare ceiling (ceiling_app.py) is one insert; a question is more work. This app does the
same durable work as a question, with nothing else, in one process on the same servers:

- POST /samework decodes a small msgspec Struct and, in one transaction, inserts the row and
  its outbox row (the JSON event, with a NOTIFY hint delivered at commit);
- a minimal relay publishes the settled outbox rows (txid below the snapshot's xmin) to
  JetStream, pipelined, and marks them published;
- a minimal consumer (a durable pull consumer, explicit acks) applies each event in a
  transaction of its own with an inbox row and a counter upsert.

No authentication, rate limit, idempotency key, duplicate check, metrics, logging, or change
notice: what the platform does beyond this is the overhead the benchmark is looking for.

Run: python -m tests.bench.samework PORT DATABASE_URL NATS_URL
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import uuid
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import msgspec
import nats
import uvicorn
from litestar import Litestar, get, post
from litestar.datastructures import State
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

STREAM = "SAMEWORK"
SCHEMA = """
drop table if exists sw_question, sw_outbox, sw_inbox, sw_counter;
create table sw_question (
    id uuid primary key, text text not null, topic text not null, language text not null,
    received_at timestamptz not null default now()
);
create table sw_outbox (
    seq bigint generated always as identity primary key,
    event_id uuid not null, subject text not null, body bytea not null,
    txid xid8 not null default pg_current_xact_id(), published_at timestamptz
);
create index sw_outbox_unpublished on sw_outbox (seq) where published_at is null;
create table sw_inbox (event_id uuid primary key, at timestamptz not null default now());
create table sw_counter (key text primary key, n bigint not null);
"""


class Item(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]
    topic: str
    language: str


class Event(msgspec.Struct):
    id: uuid.UUID
    type: str
    occurred_at: datetime
    question_id: uuid.UUID
    topic: str
    language: str


async def relay(pool: asyncpg.Pool, js: nats.js.JetStreamContext, wake: asyncio.Event) -> None:
    """Publish settled unpublished rows in seq order; woken by NOTIFY, polling each second."""
    async with pool.acquire() as conn:
        await conn.add_listener("sw_outbox", lambda *_: wake.set())
        while True:
            wake.clear()
            rows = await conn.fetch(
                "select seq, event_id, subject, body, "
                "txid < pg_snapshot_xmin(pg_current_snapshot()) as settled "
                "from sw_outbox where published_at is null order by seq limit 500"
            )
            settled = list(itertools.takewhile(lambda r: r["settled"], rows))
            if settled:
                acks = [
                    js.publish(r["subject"], r["body"], headers={"Nats-Msg-Id": str(r["event_id"])})
                    for r in settled
                ]
                await asyncio.gather(*acks)
                await conn.execute(
                    "update sw_outbox set published_at = now() where seq = any($1::bigint[])",
                    [r["seq"] for r in settled],
                )
            if len(settled) < len(rows):
                await asyncio.sleep(0.002)  # rows of running transactions: look again soon
            elif len(settled) < 500:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), 1.0)


async def consumer(pool: asyncpg.Pool, js: nats.js.JetStreamContext) -> None:
    """Apply each event once: inbox row and counter upsert in one transaction, then ack."""
    sub = await js.pull_subscribe("samework.>", durable="samework", stream=STREAM)
    while True:
        try:
            msgs = await sub.fetch(100, timeout=0.05)
        except TimeoutError:
            continue
        for msg in msgs:
            event = msgspec.json.decode(msg.data, type=Event)
            async with pool.acquire() as conn, conn.transaction():
                fresh = await conn.fetchval(
                    "insert into sw_inbox(event_id) values ($1) on conflict do nothing "
                    "returning true",
                    event.id,
                )
                if fresh:
                    await conn.execute(
                        "insert into sw_counter(key, n) values ($1, 1), ($2, 1) "
                        "on conflict (key) do update set n = sw_counter.n + 1",
                        f"received|{event.occurred_at.year}",
                        f"received|{event.occurred_at.year}|language:{event.language}",
                    )
            await msg.ack()


def build(dsn: str, nats_url: str) -> Litestar:
    tasks: list[asyncio.Task[None]] = []

    async def startup(app: Litestar) -> None:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        await app.state.pool.execute(SCHEMA)
        app.state.nc = await nats.connect(nats_url)
        js = app.state.nc.jetstream()
        with contextlib.suppress(Exception):
            await js.delete_stream(STREAM)
        await js.add_stream(name=STREAM, subjects=["samework.>"])
        await js.add_consumer(
            STREAM,
            ConsumerConfig(
                durable_name="samework",
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_ack_pending=10_000,
            ),
        )
        app.state.wake = asyncio.Event()
        tasks.append(asyncio.create_task(relay(app.state.pool, js, app.state.wake)))
        tasks.append(asyncio.create_task(consumer(app.state.pool, js)))

    async def shutdown(app: Litestar) -> None:
        for task in tasks:
            task.cancel()
        await app.state.nc.close()
        await app.state.pool.close()

    @post("/samework", status_code=201)
    async def ask(data: Item, state: State) -> dict[str, str]:
        question_id = uuid.uuid4()
        event = Event(
            id=uuid.uuid4(),
            type="samework.question_received",
            occurred_at=datetime.now(UTC),
            question_id=question_id,
            topic=data.topic,
            language=data.language,
        )
        async with state.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "insert into sw_question (id, text, topic, language) values ($1, $2, $3, $4)",
                question_id,
                data.text,
                data.topic,
                data.language,
            )
            await conn.execute(
                "with hint as materialized (select pg_notify('sw_outbox', '')) "
                "insert into sw_outbox(event_id, subject, body) select $1, $2, $3 from hint",
                event.id,
                "samework.question_received",
                msgspec.json.encode(event),
            )
        return {"id": str(question_id)}

    @get("/counted")
    async def counted(state: State) -> dict[str, int]:
        """How many events the consumer has applied (the bench waits for all of them)."""
        n = await state.pool.fetchval("select count(*) from sw_inbox")
        return {"counted": int(n)}

    return Litestar(
        [ask, counted], on_startup=[startup], on_shutdown=[shutdown], logging_config=None
    )


if __name__ == "__main__":
    uvicorn.run(
        build(sys.argv[2], sys.argv[3]),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
    )


async def measure(
    servers: object, work: object, duration: float, report: object, tools: object
) -> tuple[float, dict[str, float]]:
    """Saturate the same-work ceiling (16 connections), wait until every event is counted.

    `tools` gives the benchmark's helpers (spawn, wait_http, free_port, cpu_seconds,
    cpu_per_request, cpu_text, ms, closed_loop, build_request, question); returns the
    throughput and the CPU per request by process.
    """
    import json
    import os
    import time
    from pathlib import Path

    import httpx

    t = tools
    port = t.free_port()
    proc = t.spawn(
        [
            sys.executable,
            "-m",
            "tests.bench.samework",
            str(port),
            servers.database_url or "",  # type: ignore[attr-defined]
            servers.nats_url or "",  # type: ignore[attr-defined]
        ],
        dict(os.environ),
        Path(str(work)) / "samework.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        await t.wait_http(f"{base}/counted")
        raw = t.build_request(
            "POST", f"127.0.0.1:{port}", "/samework", json.dumps(t.question).encode()
        )
        before = t.cpu_seconds(proc.pid)
        result = await t.closed_loop(
            "127.0.0.1", port, lambda i: raw, connections=16, duration=duration
        )
        accepted = result.statuses.get(201, 0)
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=5) as client:
            while (await client.get(f"{base}/counted")).json()["counted"] < accepted:
                if time.monotonic() - started > 120:
                    raise RuntimeError("the same-work ceiling's consumer did not catch up")
                await asyncio.sleep(0.05)
        lag = time.monotonic() - started
        after = t.cpu_seconds(proc.pid)
        report.add(  # type: ignore[attr-defined]
            "ceiling: same work bare (row + outbox, relay, inbox + counter)",
            f"{result.throughput:,.0f} req/s",
            "",
            f"p99 {t.ms(result.percentile(99))}",
        )
        report.add(  # type: ignore[attr-defined]
            "ceiling, same work: all counted after the load",
            f"{accepted:,} (+{lag:.1f} s)",
        )
        # CPU up to the last event counted: the relay's and consumer's share included.
        cpu = t.cpu_per_request(before, after, result.count)
        report.add("ceiling, same work: CPU per request, by process", t.cpu_text(cpu))  # type: ignore[attr-defined]
        return result.throughput, cpu
    finally:
        proc.terminate()
        proc.wait(10)
