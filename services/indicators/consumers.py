"""The live projection: one durable consumer applies every event to the indicator tables.

Each event is applied once (the kit's inbox, in the same transaction as the change). After the
commit, the changed indicators are announced to the live dashboards and the freshness (event
commit → indicator visible) is observed.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from services.indicators import changes, metrics, store
from shared.events import Envelope, utcnow
from shared.inbox import ConsumerSpec
from shared.runtime import Runtime

log = logging.getLogger("openkrakow.indicators")

CONSUMER = "indicators"
OVERDUE_EVERY_SECONDS = 60.0
SUBJECTS = ["okr.bench.>", "okr.council.>", "okr.grants.>", "okr.ambassadors.>", "okr.indicators.>"]


async def apply(conn: asyncpg.Connection, envelope: Envelope) -> set[tuple[str, int]]:
    """Apply one event to the projection (inside the inbox's transaction); the (indicator,
    year) pairs it changed, which the inbox hands to `after_commit`."""
    return await store.apply_event(conn, envelope)


async def after_commit(
    runtime: Runtime | None, envelope: Envelope, changed: set[tuple[str, int]] | None
) -> None:
    """The event's change is visible: measure how fresh it is and tell the dashboards."""
    metrics.FRESHNESS.observe(max(0.0, (utcnow() - envelope.occurred_at).total_seconds()))
    metrics.EVENTS_APPLIED.labels(envelope.type).inc()
    if changed:
        metrics.INDICATOR_CHANGES.inc(len(changed))
        await changes.announce(runtime, changed)


async def drop_old_consumer(runtime: Runtime) -> None:
    """on_start hook: the first projection had a consumer for bench events only; this one
    replaced it."""
    if runtime.bus is not None:
        await runtime.bus.delete_consumer("indicators-bench")


async def advance_overdue(runtime: Runtime) -> None:
    """Background part: move the overdue horizon forward every minute (reads stay short) and
    tell the dashboards of the years where questions fell due."""
    while True:
        await asyncio.sleep(OVERDUE_EVERY_SECONDS)
        try:
            async with runtime.pool("indicators").acquire() as conn:
                years = await store.advance_overdue_horizon(conn)
            await changes.announce(runtime, {("bench.questions_overdue", y) for y in years})
        except (OSError, asyncpg.PostgresError) as exc:  # the next round catches up
            log.warning("could not advance the overdue horizon: %s", exc)


consumers = [
    ConsumerSpec(name=CONSUMER, subjects=SUBJECTS, handler=apply, after_commit=after_commit)
]
