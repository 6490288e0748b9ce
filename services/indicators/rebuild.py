# ruff: noqa: S608 - SQL names here are constants of this module (SCHEMA, SHADOW, tables), never input
"""`openkrakow indicators rebuild`: replay the whole event stream into fresh tables and swap them in.

How it stays consistent with the live consumer, which keeps running throughout:

1. Note the stream's last sequence S. Create the projection tables afresh in a shadow schema
   `indicators_rebuild`. Read sequences 1..S with an ordered consumer (no acks, in stream order,
   flow-controlled) in batches of BATCH events. Each batch is one transaction on the shadow
   tables: the facts its events touch are read from `facts`, merged with the same pure functions
   the live consumer uses (services/indicators/projection.py) and written back with what they
   now contribute; open questions, manual reports and the replayed event ids likewise. The
   replay keeps no history in memory: what a question is so far lives in PostgreSQL, and the
   process holds one batch being decoded and one being written (peak RSS does not grow with the
   stream; `make bench` prints it at 10k and 1M events).
2. The counters are then summed, in SQL, from every fact's final contribution: the live
   consumer's per-event differences add up to exactly that, so both come out equal whatever the
   order of delivery.
3. In one transaction: lock the live `inbox` and projection tables (the live consumer waits at
   its next event), replay the tail S+1..now onto the shadow tables through the live SQL path,
   record every replayed event id in the live consumer's inbox (so it skips them when they are
   delivered to it afterwards), drop the live tables and move the shadow ones in. Commit.

Everything the live consumer applied before the lock is in the stream at or below the tail's
end, so nothing it counted is lost; everything after the lock finds the new tables. The stream
must hold the whole history (limits retention, large limits) for the rebuild to be complete.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.indicators import changes, consumers, metrics, projection, store
from shared.bus import Bus
from shared.events import Envelope, decode

log = logging.getLogger("openkrakow.indicators.rebuild")

SCHEMA = "indicators"
MIGRATIONS = Path(__file__).parent / "migrations"
SHADOW = "indicators_rebuild"
BATCH = 5000
# Batches decoded ahead of the one being written: what bounds the replay's memory.
AHEAD = 2


@dataclass(frozen=True)
class Step:
    """Where a rebuild is: `phase` is "replay", "write", "swap" or "done"."""

    phase: str
    seq: int
    last_seq: int
    events: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Events replayed per second so far."""
        return self.events / max(self.elapsed, 1e-6)


Progress = Callable[[Step], None]

_encode = msgspec.json.encode
_decode_json = msgspec.json.decode


async def apply_batch(conn: asyncpg.Connection, batch: list[Envelope]) -> None:
    """Merge one batch of events into the shadow tables (the same rules as the live consumer).

    Facts are read and written per batch; nothing outlives the call. Applying an event twice
    changes nothing (every merge is idempotent, manual reports and event ids are kept once).
    """
    await conn.execute(
        f"insert into {SHADOW}.replayed select unnest($1::uuid[]) on conflict do nothing",
        [e.id for e in batch],
    )
    manual = [store.manual_row(e) for e in batch if e.type == "indicators.value_reported"]
    if manual:
        await conn.executemany(
            f"insert into {SHADOW}.manual_reports(event_id, indicator_id, year, value, note, "
            "reported_by, reported_at) values ($1, $2, $3, $4, $5, $6, $7) "
            "on conflict (event_id) do nothing",
            manual,
        )
    keyed: list[tuple[str, Envelope]] = []
    for envelope in batch:
        if envelope.type == "indicators.value_reported":
            continue
        key = projection.fact_key(envelope)
        if key is not None:
            keyed.append((key, envelope))
    if not keyed:
        return
    keys = list(dict.fromkeys(k for k, _ in keyed))
    facts: dict[str, dict[str, Any]] = {
        r[0]: _decode_json(r[1])
        for r in await conn.fetch(
            f"select key, data::text from {SHADOW}.facts where key = any($1::text[])", keys
        )
    }
    for key, envelope in keyed:
        facts[key] = projection.merge(facts.get(key, {}), envelope)
    data_text: list[str] = []
    contributes_text: list[str] = []
    open_rows: list[tuple[uuid.UUID, int, Any]] = []
    closed: list[uuid.UUID] = []
    for key in keys:
        data = facts[key]
        data_text.append(_encode(data).decode())
        contributes_text.append(_encode(projection.contributions(data)).decode())
        if data.get("kind") == "question":
            qid = uuid.UUID(key.partition(":")[2])
            entry = projection.open_question(data)
            if entry is None:
                closed.append(qid)
            else:
                open_rows.append((qid, entry.received_year, entry.due_at))
    await conn.execute(
        f"insert into {SHADOW}.facts(key, data, contributes) "
        "select k, d::jsonb, c::jsonb from unnest($1::text[], $2::text[], $3::text[]) as t(k, d, c) "
        "on conflict (key) do update set data = excluded.data, contributes = excluded.contributes",
        keys,
        data_text,
        contributes_text,
    )
    if closed:
        await conn.execute(
            f"delete from {SHADOW}.open_questions where question_id = any($1::uuid[])", closed
        )
    if open_rows:
        qids, years, dues = zip(*open_rows, strict=True)
        await conn.execute(
            f"insert into {SHADOW}.open_questions(question_id, received_year, due_at) "
            "select * from unnest($1::uuid[], $2::int[], $3::timestamptz[]) "
            "on conflict (question_id) do update "
            "set received_year = excluded.received_year, due_at = excluded.due_at",
            list(qids),
            list(years),
            list(dues),
        )


def _stream_seq(msg: Msg) -> int:
    """The message's stream sequence; the common reply form is split by hand (it is hot here)."""
    tokens = msg.reply.split(".")
    if (
        len(tokens) == 9 and tokens[1] == "ACK"
    ):  # $JS.ACK.<stream>.<consumer>.<n>.<sseq>.<dseq>.<ts>.<pending>
        return int(tokens[5])
    return msg.metadata.sequence.stream


WANTED = tuple(s.removesuffix(">") for s in consumers.SUBJECTS)
STALL_SECONDS = 5.0


async def read_stream(
    bus: Bus,
    first_seq: int,
    last_seq: int,
    on_batch: Callable[[list[Envelope], int], Awaitable[None]],
) -> int:
    """Feed events of sequences first_seq..last_seq to `on_batch` in order; return how many were skipped.

    An ephemeral pull consumer (ack-all: one ack per batch) is asked for BATCH messages at a
    time; the next batch is asked for once this one is decoded, and taken once `on_batch` has
    taken this one. So at most one batch is in flight whatever the stream's length (an ordered
    push consumer's flow control let the server run far ahead of a slower writer). The pull
    requests are made by hand on one subscription: the client's `fetch` waits on each message
    with a timer of its own, which costs more than the decoding. Should the range end in
    deleted messages, the read stops when a request waits STALL_SECONDS for nothing.
    """
    if last_seq < first_seq:
        return 0
    name = f"rebuild-{uuid.uuid4().hex}"
    await bus.js.add_consumer(
        bus.stream,
        ConsumerConfig(
            name=name,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=first_seq,
            ack_policy=AckPolicy.ALL,
            max_ack_pending=2 * BATCH,
            inactive_threshold=60.0,
            mem_storage=True,
        ),
    )
    pull = f"$JS.API.CONSUMER.MSG.NEXT.{bus.stream}.{name}"
    inbox = bus.nc.new_inbox()
    state: dict[str, Any] = {"msgs": [], "wanted": 0, "ended": asyncio.Event()}

    async def take(msg: Msg) -> None:
        if msg.headers and msg.headers.get("Status"):  # 408: the request expired; 409: ended
            state["ended"].set()
            return
        state["msgs"].append(msg)
        if len(state["msgs"]) >= state["wanted"]:
            state["ended"].set()

    async def ask(seq: int) -> None:
        state["msgs"], state["wanted"] = [], min(BATCH, last_seq - seq)
        state["ended"].clear()
        request = {"batch": state["wanted"], "expires": int(STALL_SECONDS * 1e9)}
        await bus.nc.publish(pull, msgspec.json.encode(request), reply=inbox)

    async def answer() -> list[Msg]:
        try:
            await asyncio.wait_for(state["ended"].wait(), STALL_SECONDS + 5)
        except TimeoutError:
            pass
        msgs: list[Msg] = state["msgs"]
        state["msgs"] = []
        return msgs

    sub = await bus.nc.subscribe(inbox, cb=take, pending_msgs_limit=4 * BATCH)
    seq, skipped = first_seq - 1, 0
    try:
        await ask(seq)
        while True:
            msgs = await answer()
            if not msgs:
                break  # nothing more to deliver in the range
            batch: list[Envelope] = []
            for msg in msgs:
                number = _stream_seq(msg)
                if number > last_seq:
                    break
                seq = number
                if msg.subject.startswith(WANTED):
                    try:
                        batch.append(decode(msg.data))
                    except Exception:  # noqa: BLE001 - undecodable: the live consumer parks these
                        skipped += 1
            await msgs[-1].ack()  # ack-all: every message up to it
            del msgs
            if seq < last_seq:
                await ask(seq)  # the next batch travels while this one is written
            await on_batch(batch, seq)
            if seq >= last_seq:
                break
    finally:
        await sub.unsubscribe()
        try:
            await bus.js.delete_consumer(bus.stream, name)
        except Exception:  # noqa: BLE001 - it goes by itself after inactive_threshold
            log.debug("could not delete the rebuild's consumer %s", name)
    return skipped


async def _create_shadow(conn: asyncpg.Connection) -> None:
    await conn.execute(f"drop schema if exists {SHADOW} cascade; create schema {SHADOW}")
    for table in store.PROJECTION_TABLES:
        await conn.execute(f"create table {SHADOW}.{table} (like {SCHEMA}.{table} including all)")
    await conn.execute(
        f"alter table {SHADOW}.indicator_values add foreign key (indicator_id) references {SCHEMA}.indicators(id);"
        f"alter table {SHADOW}.manual_reports add foreign key (indicator_id) references {SCHEMA}.indicators(id);"
        f"create table {SHADOW}.replayed (event_id uuid primary key)"
    )


# The counters: every fact's final contribution, summed (a counter key is
# `indicator|year|dimension`; the dimension may itself hold a "|").
_COUNTERS = f"""
insert into {SHADOW}.indicator_values(indicator_id, year, dimension, value)
select split_part(k, '|', 1), split_part(k, '|', 2)::int,
       substr(k, length(split_part(k, '|', 1)) + length(split_part(k, '|', 2)) + 3),
       sum(v::bigint)
from {SHADOW}.facts, jsonb_each_text(contributes) as c(k, v)
group by k having sum(v::bigint) <> 0
"""


async def _write_totals(conn: asyncpg.Connection) -> None:
    """Counters and the overdue tally from the replayed facts and open questions."""
    async with conn.transaction():
        await conn.execute(_COUNTERS)
        await conn.execute(
            f"insert into {SHADOW}.overdue_horizon(as_of) values (now());"
            f"insert into {SHADOW}.overdue_tally(received_year, n) "
            f"select received_year, count(*) from {SHADOW}.open_questions "
            f"where due_at < now() group by received_year"
        )


async def rebuild(
    pool: asyncpg.Pool, bus: Bus, *, progress: Progress | None = None
) -> dict[str, int]:
    """Rebuild the indicator tables from the stream and swap them in; return a summary."""
    started = time.perf_counter()
    info = await bus.js.stream_info(bus.stream)
    snapshot = info.state.last_seq
    done = {"events": 0, "seq": 0}

    def say(phase: str, events: int) -> None:
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(Step(phase, done["seq"], snapshot, events, elapsed))

    async with pool.acquire() as conn:
        await _create_shadow(conn)
        # Decoding (this task) and writing (the writer) overlap; the queue bounds what waits.
        queue: asyncio.Queue[tuple[list[Envelope], int] | None] = asyncio.Queue(AHEAD)

        async def writer() -> None:
            while (item := await queue.get()) is not None:
                batch, seq = item
                async with conn.transaction():
                    await apply_batch(conn, batch)
                done["events"] += len(batch)
                done["seq"] = seq
                metrics.REBUILD_EVENTS.inc(len(batch))
                say("replay", done["events"])

        async def hand(item: tuple[list[Envelope], int] | None) -> None:
            """Queue an item for the writer, or raise the writer's error if it has stopped."""
            put = asyncio.ensure_future(queue.put(item))
            await asyncio.wait({put, writing}, return_when=asyncio.FIRST_COMPLETED)
            if not put.done():
                put.cancel()
                await writing  # raises the writer's error
                raise RuntimeError("the rebuild's writer stopped early")

        async def on_batch(batch: list[Envelope], seq: int) -> None:
            await hand((batch, seq))

        writing = asyncio.create_task(writer())
        try:
            skipped = await read_stream(bus, 1, snapshot, on_batch)
            await hand(None)
            await writing
        finally:
            if not writing.done():
                writing.cancel()
        done["seq"] = snapshot
        say("write", done["events"])
        await _write_totals(conn)
        facts = int(await conn.fetchval(f"select count(*) from {SHADOW}.facts"))
        say("swap", done["events"])
        tail = await _swap(conn, bus, snapshot)
    elapsed = time.perf_counter() - started
    summary = {
        "events": done["events"] + tail,
        "tail": tail,
        "skipped": skipped,
        "facts": facts,
        "seconds_ms": int(elapsed * 1000),
    }
    say("done", summary["events"])
    return summary


class ProgressBar:
    """A rich progress bar on standard error for `openkrakow indicators rebuild` (and the benchmark)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("stream messages · {task.fields[rate]} events/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.bar.add_task("replay", total=None, rate="0")

    def __enter__(self) -> ProgressBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, step: Step) -> None:
        self.bar.update(
            self.task,
            description=step.phase,
            completed=step.seq,
            total=max(step.last_seq, 1),
            rate=f"{step.rate:,.0f}",
        )
        if step.phase == "done":
            self.bar.console.print(
                f"rebuilt the indicators from {step.events:,} events in {step.elapsed:.1f} s "
                f"({step.rate:,.0f} events/s)"
            )


async def _swap(conn: asyncpg.Connection, bus: Bus, snapshot: int) -> int:
    """Catch up with the tail under lock, hand the inbox over, move the shadow tables in."""
    tail: list[Envelope] = []
    async with conn.transaction():
        # inbox first: the live consumer takes it first too (apply_once), so no deadlock.
        await conn.execute(
            f"lock table {SCHEMA}.inbox, "
            + ", ".join(f"{SCHEMA}.{t}" for t in store.PROJECTION_TABLES)
            + " in access exclusive mode"
        )
        end = (await bus.js.stream_info(bus.stream)).state.last_seq

        async def collect(batch: list[Envelope], _seq: int) -> None:
            tail.extend(batch)  # the events since the snapshot: what arrived during the replay

        await read_stream(bus, snapshot + 1, end, collect)
        await conn.execute(f"set local search_path to {SHADOW}, {SCHEMA}, public")
        for envelope in tail:
            if await conn.fetchval(
                f"insert into {SHADOW}.replayed values ($1) on conflict do nothing returning true",
                envelope.id,
            ):
                await store.apply_event(conn, envelope)
        await conn.execute(
            f"insert into {SCHEMA}.inbox(consumer, event_id) select $1, event_id from {SHADOW}.replayed "
            "on conflict do nothing",
            consumers.CONSUMER,
        )
        await conn.execute(f"drop table {SHADOW}.replayed")
        for table in store.PROJECTION_TABLES:
            await conn.execute(
                f"drop table {SCHEMA}.{table}; alter table {SHADOW}.{table} set schema {SCHEMA}"
            )
        await conn.execute(f"drop schema {SHADOW}")
    return len(tail)


# --- The command ------------------------------------------------------------------------------


async def rebuild_command() -> int:
    """Entry of `openkrakow indicators rebuild`: rebuild against the configured servers."""
    import msgspec
    import redis.asyncio as aioredis

    from shared.config import load_settings
    from shared.db import create_pool
    from shared.migrate import migrate
    from shared.servers import tool_servers

    settings, servers = await tool_servers(load_settings())
    assert settings.database_url and settings.nats_url
    await migrate(settings.database_url, SCHEMA, MIGRATIONS)
    pool = await create_pool(settings.database_url, SCHEMA, max_size=2)
    bus = await Bus.connect(
        settings.nats_url, name="openkrakow-indicators-rebuild", stream=settings.stream_name
    )
    try:
        await bus.ensure_stream(
            replicas=settings.stream_replicas, max_bytes=settings.stream_max_bytes
        )
        with ProgressBar() as bar:
            summary = await rebuild(pool, bus, progress=bar)
        if summary["skipped"]:
            print(f"{summary['skipped']} undecodable events skipped", file=sys.stderr)
        if settings.redis_url:
            client = aioredis.from_url(settings.redis_url, socket_timeout=5)
            try:
                await client.publish(changes.CHANNEL, msgspec.json.encode(await all_changes(pool)))
            except Exception:  # noqa: BLE001 - dashboards refresh at their next change anyway
                log.warning("could not announce the rebuild to live dashboards")
            finally:
                await client.aclose()
        return 0
    except Exception as exc:  # noqa: BLE001 - an operator tool: say what failed, exit non-zero
        print(f"openkrakow indicators rebuild: failed: {exc!r}", file=sys.stderr)
        return 1
    finally:
        await bus.close()
        await pool.close()
        if servers is not None:
            await servers.stop()  # type: ignore[attr-defined]


async def all_changes(pool: asyncpg.Pool) -> list[tuple[str, int]]:
    """Every (indicator, year) with data: what a rebuild may have changed."""
    rows = await pool.fetch(
        "select distinct i.id, v.year from indicators i cross join "
        "(select distinct year from indicator_values union select distinct year from manual_reports) v"
    )
    return [(r["id"], r["year"]) for r in rows]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(asyncio.run(rebuild_command()))
