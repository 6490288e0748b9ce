"""The live projection: one durable consumer applies every event to the indicator tables.

Each event is applied once (the kit's inbox, in the same transaction as the change). After the
commit, the changed indicators are announced to the live dashboards and the freshness (event
commit → indicator visible) is observed. (The overdue horizon moves in background.py.)
"""

from __future__ import annotations

import asyncpg

from services.indicators import changes, metrics, store
from shared.events import Envelope, utcnow
from shared.inbox import ConsumerSpec
from shared.runtime import Runtime

CONSUMER = "indicators"
SUBJECTS = [
    "okr.bench.>",
    "okr.council.>",
    "okr.grants.>",
    "okr.ambassadors.>",
    "okr.indicators.>",
    "okr.observatory.>",
    "okr.incidents.>",
    "okr.indicators.>",
]


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
        if runtime is None:
            await changes.announce(None, changed)
        else:
            changes.announce_soon(runtime, changed)


async def drop_old_consumer(runtime: Runtime) -> None:
    """on_start hook: the first projection had a consumer for bench events only; this one
    replaced it."""
    if runtime.bus is not None:
        await runtime.bus.delete_consumer("indicators-bench")


consumers = [
    ConsumerSpec(name=CONSUMER, subjects=SUBJECTS, handler=apply, after_commit=after_commit)
]
