"""SQL of the indicators schema: applying one event to the projection, and the reads."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.indicators import projection
from shared.events import Envelope
from shared.events import catalogue as ev

# Tables the projection writes; the rebuild fills copies of them and swaps them in.
PROJECTION_TABLES = ("indicator_values", "facts", "open_questions", "manual_reports")


async def apply_event(conn: asyncpg.Connection, envelope: Envelope) -> set[tuple[str, int]]:
    """Apply one event inside the caller's transaction; return the (indicator, year) it changed."""
    p = envelope.payload
    if isinstance(p, ev.IndicatorValueReported):
        await insert_manual_reports(conn, [manual_row(envelope)])
        return projection.changed_indicators({}, envelope)
    key = projection.fact_key(envelope)
    if key is None:
        return set()
    # Lock the fact even before it exists: instances sharing the consumer may apply two events
    # of one aggregate at once (a question's receipt and its answer). With no row to lock, both
    # would merge into an empty fact and the later write would drop the earlier one's part.
    await conn.execute(
        "insert into facts(key, data) values ($1, '{}') on conflict (key) do nothing", key
    )
    row = await conn.fetchrow("select data, contributes from facts where key = $1 for update", key)
    data = projection.merge(row["data"] if row else {}, envelope)
    new = projection.contributions(data)
    diff = projection.difference(row["contributes"] if row else {}, new)
    await conn.execute(
        "insert into facts(key, data, contributes) values ($1, $2, $3) "
        "on conflict (key) do update set data = excluded.data, contributes = excluded.contributes",
        key,
        data,
        new,
    )
    await bump(conn, diff)
    if data.get("kind") == "question":
        await sync_open_question(conn, key.partition(":")[2], projection.open_question(data))
    return projection.changed_indicators(diff, envelope, data)


async def bump(conn: asyncpg.Connection, diff: Mapping[str, int]) -> None:
    """Add each amount of `diff` to its yearly counter."""
    if not diff:
        return
    await conn.executemany(
        """insert into indicator_values(indicator_id, year, dimension, value) values ($1, $2, $3, $4)
           on conflict (indicator_id, year, dimension)
           do update set value = indicator_values.value + excluded.value, updated_at = now()""",
        [(*projection.split_key(k), amount) for k, amount in diff.items()],
    )


async def sync_open_question(
    conn: asyncpg.Connection, question_id: str, entry: projection.OpenQuestion | None
) -> None:
    """Keep the question in `open_questions` exactly while it is counted and unanswered."""
    if entry is None:
        await conn.execute(
            "delete from open_questions where question_id = $1", uuid.UUID(question_id)
        )
        return
    await conn.execute(
        "insert into open_questions(question_id, received_year, due_at) values ($1, $2, $3) "
        "on conflict (question_id) do update set received_year = excluded.received_year, due_at = excluded.due_at",
        uuid.UUID(question_id),
        entry.received_year,
        entry.due_at,
    )


def manual_row(envelope: Envelope) -> tuple[Any, ...]:
    """A `manual_reports` row of an IndicatorValueReported event."""
    p: ev.IndicatorValueReported = envelope.payload
    return (
        envelope.id,
        p.indicator_id,
        p.year,
        Decimal(repr(p.value)),
        p.note,
        p.reported_by,
        p.reported_at,
    )


async def insert_manual_reports(
    conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]], table: str = "manual_reports"
) -> None:
    """Record reports (each once; the latest one of a year is the value)."""
    assert table in ("manual_reports", "manual_reports_rebuild")
    await conn.executemany(
        f"insert into {table}(event_id, indicator_id, year, value, note, reported_by, reported_at) "  # noqa: S608 - fixed names
        "values ($1, $2, $3, $4, $5, $6, $7) on conflict (event_id) do nothing",
        rows,
    )


# --- Reads ------------------------------------------------------------------------------------


async def registry(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every indicator with its objective, in the programme's table order."""
    return await conn.fetch(
        "select i.*, o.name_pl as objective_pl, o.name_en as objective_en, o.name_uk as objective_uk "
        "from indicators i join objectives o on o.number = i.objective order by i.position"
    )


async def counters(conn: asyncpg.Connection, years: Sequence[int]) -> list[asyncpg.Record]:
    """Every non-zero counter of these years (totals, breakdowns, answer-time histogram)."""
    return await conn.fetch(
        "select indicator_id, year, dimension, value from indicator_values "
        "where year = any($1::int[]) and value <> 0",
        list(years),
    )


async def manual_values(conn: asyncpg.Connection, years: Sequence[int]) -> list[asyncpg.Record]:
    """The latest reported value of each manual indicator per year."""
    return await conn.fetch(
        "select distinct on (indicator_id, year) indicator_id, year, value from manual_reports "
        "where year = any($1::int[]) order by indicator_id, year, reported_at desc, event_id desc",
        list(years),
    )


async def overdue(conn: asyncpg.Connection, years: Sequence[int], now: datetime) -> dict[int, int]:
    """Open questions past their due date at `now`, per year of receipt."""
    rows = await conn.fetch(
        "select received_year, count(*) as n from open_questions "
        "where received_year = any($1::int[]) and due_at < $2 group by received_year",
        list(years),
        now,
    )
    return {r["received_year"]: r["n"] for r in rows}


async def manual_history(
    conn: asyncpg.Connection, indicator_id: str, year: int | None
) -> list[asyncpg.Record]:
    """Every report of a manual indicator (of one year, or all), newest first."""
    return await conn.fetch(
        "select event_id, indicator_id, year, value, note, reported_by, reported_at from manual_reports "
        "where indicator_id = $1 and ($2::int is null or year = $2) "
        "order by reported_at desc, event_id desc",
        indicator_id,
        year,
    )
