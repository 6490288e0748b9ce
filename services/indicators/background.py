"""Background task of the indicators service: the overdue horizon moves forward every minute.

`bench.questions_overdue` depends on the clock, not only on events: questions fall due as time
passes. The projection keeps the open questions due before a horizon counted (store.py); this
task moves the horizon so that reads stay short, and tells the dashboards of the years where
questions fell due.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from services.indicators import changes, store
from shared.runtime import Runtime

log = logging.getLogger("openkrakow.indicators")

OVERDUE_EVERY_SECONDS = 60.0


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
