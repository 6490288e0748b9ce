"""Projections of the event stream into the indicator tables (applied once each, via the inbox)."""

from __future__ import annotations

import asyncpg

from services.indicators.domain import warsaw_year
from shared.events import Envelope
from shared.events import catalogue as ev
from shared.inbox import ConsumerSpec


async def bump(
    conn: asyncpg.Connection, indicator_id: str, year: int, delta: int | float, dimension: str = ""
) -> None:
    """Add `delta` to a yearly counter."""
    await conn.execute(
        """insert into indicator_values(indicator_id, year, dimension, value) values ($1,$2,$3,$4)
           on conflict (indicator_id, year, dimension)
           do update set value = indicator_values.value + excluded.value, updated_at = now()""",
        indicator_id,
        year,
        dimension,
        delta,
    )


async def apply_bench(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Dialogue Bench events → bench.* indicators."""
    p = envelope.payload
    if isinstance(p, ev.BenchQuestionReceived):
        await bump(conn, "bench.questions_received", warsaw_year(p.received_at), 1)


consumers = [ConsumerSpec(name="indicators-bench", subjects=["okr.bench.>"], handler=apply_bench)]
