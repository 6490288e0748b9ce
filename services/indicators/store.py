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
PROJECTION_TABLES = (
    "indicator_values",
    "facts",
    "open_questions",
    "manual_reports",
    "overdue_horizon",
    "overdue_tally",
)


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
    # would merge into an empty fact and the later write would drop the earlier one's part. The
    # upsert creates or locks the row and returns its latest committed state in one round trip.
    row = await conn.fetchrow(
        "insert into facts(key, data) values ($1, '{}') "
        "on conflict (key) do update set key = excluded.key returning data, contributes",
        key,
    )
    data = projection.merge(row["data"], envelope)
    new = projection.contributions(data)
    diff = projection.difference(row["contributes"], new)
    await conn.execute(
        "update facts set data = $2, contributes = $3 where key = $1", key, data, new
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
    """Keep the question in `open_questions` exactly while it is counted and unanswered, and
    the overdue tally exact: it counts the open questions due before the horizon.

    The horizon is read FOR SHARE and kept locked until the commit, so it cannot move between
    this decision and the commit (advance_overdue_horizon takes it FOR UPDATE).
    """
    qid = uuid.UUID(question_id)
    old = await conn.fetchrow(
        "delete from open_questions where question_id = $1 returning received_year, due_at", qid
    )
    horizon = await conn.fetchval("select as_of from overdue_horizon for share")
    tally: dict[int, int] = {}
    if old is not None and old["due_at"] is not None and old["due_at"] < horizon:
        tally[old["received_year"]] = tally.get(old["received_year"], 0) - 1
    if entry is not None:
        await conn.execute(
            "insert into open_questions(question_id, received_year, due_at) values ($1, $2, $3)",
            qid,
            entry.received_year,
            entry.due_at,
        )
        if entry.due_at is not None and entry.due_at < horizon:
            tally[entry.received_year] = tally.get(entry.received_year, 0) + 1
    changes = [(year, n) for year, n in tally.items() if n]
    if changes:
        await conn.executemany(
            "insert into overdue_tally(received_year, n) values ($1, $2) "
            "on conflict (received_year) do update set n = overdue_tally.n + excluded.n",
            changes,
        )


async def advance_overdue_horizon(conn: asyncpg.Connection) -> set[int]:
    """Move the horizon to now, tallying the questions that fell due meanwhile; return their years."""
    async with conn.transaction():
        as_of = await conn.fetchval("select as_of from overdue_horizon for update")
        rows = await conn.fetch(
            "insert into overdue_tally(received_year, n) "
            "select received_year, count(*) from open_questions "
            "where due_at >= $1 and due_at < now() group by received_year "
            "on conflict (received_year) do update set n = overdue_tally.n + excluded.n "
            "returning received_year",
            as_of,
        )
        await conn.execute("update overdue_horizon set as_of = greatest(as_of, now())")
    return {r["received_year"] for r in rows}


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
    """Open questions past their due date at `now`, per year of receipt.

    The tally (due before the horizon) plus those due between the horizon and `now` (minus
    those due between `now` and the horizon, should `now` be earlier): one statement, so one
    snapshot, however the horizon moves meanwhile.
    """
    rows = await conn.fetch(
        """with tally as (
                    select received_year, n from overdue_tally where received_year = any($1::int[])
                ),
                moved as (
                    -- Scalar subqueries (init plans), not a join: the bounds must be known
                    -- before the scan for the due_at index to cut the range.
                    select q.received_year,
                           count(*) * (case when $2 >= (select as_of from overdue_horizon)
                                            then 1 else -1 end) as n
                    from open_questions q
                    where q.due_at >= least($2, (select as_of from overdue_horizon))
                      and q.due_at < greatest($2, (select as_of from overdue_horizon))
                      and q.received_year = any($1::int[])
                    group by q.received_year
                )
           select received_year, sum(n)::int as n
           from (select * from tally union all select * from moved) both_parts
           group by received_year""",
        list(years),
        now,
    )
    return {r["received_year"]: r["n"] for r in rows if r["n"]}


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
