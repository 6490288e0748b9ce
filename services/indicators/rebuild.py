# ruff: noqa: S608 - SQL names here are constants of this module (SCHEMA, SHADOW, tables), never input
"""`openkrakow indicators rebuild`: replay the whole event stream into fresh tables and swap them in.

How it stays consistent with the live consumer, which keeps running throughout:

1. Note the stream's last sequence S. Read sequences 1..S with an ephemeral pull consumer (no
   acks, in stream order) in batches, merging each event into in-memory facts with the same pure
   functions the live consumer uses (services/indicators/projection.py). Counters are the sum of
   the final facts' contributions: the live consumer's per-event differences add up to exactly
   that, so both come out equal whatever the order of delivery.
2. Write the result with COPY into the same tables in a shadow schema `indicators_rebuild`.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.indicators import changes, consumers, metrics, projection, store
from shared.bus import Bus
from shared.events import Envelope, decode

log = logging.getLogger("openkrakow.indicators.rebuild")

SCHEMA = "indicators"
MIGRATIONS = Path(__file__).parent / "migrations"
SHADOW = "indicators_rebuild"
BATCH = 2000


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


@dataclass
class Replay:
    """The projection of a stream prefix, kept in memory."""

    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    manual: dict[uuid.UUID, tuple[Any, ...]] = field(default_factory=dict)
    event_ids: list[uuid.UUID] = field(default_factory=list)
    last_seq: int = 0
    skipped: int = 0

    def apply(self, envelope: Envelope) -> None:
        """Merge one event (the same rules as the live consumer)."""
        self.event_ids.append(envelope.id)
        if envelope.type == "indicators.value_reported":
            self.manual[envelope.id] = store.manual_row(envelope)
            return
        key = projection.fact_key(envelope)
        if key is not None:
            self.facts[key] = projection.merge(self.facts.get(key, {}), envelope)

    def counters(self) -> dict[str, int]:
        """Sum of every fact's contribution (zeros dropped)."""
        total: dict[str, int] = {}
        for data in self.facts.values():
            for k, amount in projection.contributions(data).items():
                total[k] = total.get(k, 0) + amount
        return {k: v for k, v in total.items() if v != 0}


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
    bus: Bus, first_seq: int, last_seq: int, on_batch: Callable[[list[Envelope], int], None]
) -> int:
    """Feed events of sequences first_seq..last_seq to `on_batch` in order; return how many were skipped.

    An ordered push consumer streams the range with flow control (no round trip per batch); its
    messages are decoded and handed over in batches of BATCH. Should the range end in deleted
    messages, the read stops when nothing has arrived for STALL_SECONDS.
    """
    if last_seq < first_seq:
        return 0
    done = asyncio.Event()
    batch: list[Envelope] = []
    state = {"seq": first_seq - 1, "skipped": 0}

    def flush() -> None:
        on_batch(list(batch), state["seq"])
        batch.clear()

    async def take(msg: Msg) -> None:
        if done.is_set():
            return
        seq = _stream_seq(msg)
        if seq > last_seq:
            flush()
            done.set()
            return
        state["seq"] = seq
        if msg.subject.startswith(WANTED):
            try:
                batch.append(decode(msg.data))
            except Exception:  # noqa: BLE001 - undecodable: the live consumer parks these
                state["skipped"] += 1
        if seq >= last_seq:
            flush()
            done.set()
        elif len(batch) >= BATCH:
            flush()

    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=first_seq,
        inactive_threshold=60.0,
    )
    sub = await bus.js.subscribe(
        "okr.>", stream=bus.stream, cb=take, ordered_consumer=True, config=config
    )
    try:
        seen = state["seq"]
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), STALL_SECONDS)
            except TimeoutError:
                if state["seq"] == seen:  # nothing more to deliver in the range
                    flush()
                    break
                seen = state["seq"]
    finally:
        await sub.unsubscribe()
    return state["skipped"]


async def _create_shadow(conn: asyncpg.Connection) -> None:
    await conn.execute(f"drop schema if exists {SHADOW} cascade; create schema {SHADOW}")
    for table in store.PROJECTION_TABLES:
        await conn.execute(f"create table {SHADOW}.{table} (like {SCHEMA}.{table} including all)")
    await conn.execute(
        f"alter table {SHADOW}.indicator_values add foreign key (indicator_id) references {SCHEMA}.indicators(id);"
        f"alter table {SHADOW}.manual_reports add foreign key (indicator_id) references {SCHEMA}.indicators(id)"
    )


async def _write_shadow(conn: asyncpg.Connection, replay: Replay) -> None:
    values = [(*projection.split_key(k), v) for k, v in replay.counters().items()]
    await conn.copy_records_to_table(
        "indicator_values",
        schema_name=SHADOW,
        records=values,
        columns=["indicator_id", "year", "dimension", "value"],
    )
    # COPY (binary) has no jsonb encoder here: stage the JSON as text, then cast in the server.
    encode = msgspec.json.encode
    await conn.execute(
        f"create unlogged table {SHADOW}.facts_text (key text, data text, contributes text)"
    )
    await conn.copy_records_to_table(
        "facts_text",
        schema_name=SHADOW,
        records=[
            (k, encode(d).decode(), encode(projection.contributions(d)).decode())
            for k, d in replay.facts.items()
        ],
    )
    await conn.execute(
        f"insert into {SHADOW}.facts(key, data, contributes) "
        f"select key, data::jsonb, contributes::jsonb from {SHADOW}.facts_text; "
        f"drop table {SHADOW}.facts_text"
    )
    open_rows = []
    for key, data in replay.facts.items():
        entry = projection.open_question(data)
        if entry is not None:
            open_rows.append((uuid.UUID(key.partition(":")[2]), entry.received_year, entry.due_at))
    await conn.copy_records_to_table(
        "open_questions",
        schema_name=SHADOW,
        records=open_rows,
        columns=["question_id", "received_year", "due_at"],
    )
    await conn.execute(
        f"insert into {SHADOW}.overdue_horizon(as_of) values (now());"
        f"insert into {SHADOW}.overdue_tally(received_year, n) "
        f"select received_year, count(*) from {SHADOW}.open_questions "
        f"where due_at < now() group by received_year"
    )
    await conn.copy_records_to_table(
        "manual_reports",
        schema_name=SHADOW,
        records=list(replay.manual.values()),
        columns=["event_id", "indicator_id", "year", "value", "note", "reported_by", "reported_at"],
    )
    await conn.execute(f"create table {SHADOW}.replayed (event_id uuid primary key)")
    await conn.copy_records_to_table(
        "replayed", schema_name=SHADOW, records=[(i,) for i in set(replay.event_ids)]
    )


async def rebuild(
    pool: asyncpg.Pool, bus: Bus, *, progress: Progress | None = None
) -> dict[str, int]:
    """Rebuild the indicator tables from the stream and swap them in; return a summary."""
    started = time.perf_counter()
    info = await bus.js.stream_info(bus.stream)
    snapshot = info.state.last_seq
    replay = Replay()

    def say(phase: str, events: int) -> None:
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(Step(phase, replay.last_seq, snapshot, events, elapsed))

    def on_batch(batch: list[Envelope], seq: int) -> None:
        for envelope in batch:
            replay.apply(envelope)
        replay.last_seq = seq
        metrics.REBUILD_EVENTS.inc(len(batch))
        say("replay", len(replay.event_ids))

    replay.skipped = await read_stream(bus, 1, snapshot, on_batch)
    replay.last_seq = snapshot
    async with pool.acquire() as conn:
        say("write", len(replay.event_ids))
        await _create_shadow(conn)
        await _write_shadow(conn, replay)
        say("swap", len(replay.event_ids))
        tail = await _swap(conn, bus, snapshot)
    elapsed = time.perf_counter() - started
    summary = {
        "events": len(replay.event_ids) + tail,
        "tail": tail,
        "skipped": replay.skipped,
        "facts": len(replay.facts),
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
        await read_stream(bus, snapshot + 1, end, lambda batch, _seq: tail.extend(batch))
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
