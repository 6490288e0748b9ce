"""Jobs: e-mail reminders to jurors before the jury deadline (arq cron, idempotent)."""

from __future__ import annotations

import logging
from typing import Any

from services.ambassadors.commands import jury
from shared import jobs as jobkit
from shared.events import utcnow
from shared.runtime import Runtime

log = logging.getLogger("openkrakow.ambassadors.jobs")


async def remind_jurors(ctx: dict[str, Any]) -> int:
    """Remind jurors with undecided nominations before the jury deadline (commands/jury.py:
    each reminder is claimed with its e-mail, so re-runs never send one twice)."""
    runtime: Runtime = ctx["runtime"]
    queued = await jury.remind_jurors(runtime, utcnow())
    if queued:
        log.info("queued %d jury reminders", queued)
    return queued


jobs = [jobkit.func(remind_jurors, name="ambassadors_remind_jurors")]
cron_jobs = [
    jobkit.cron(
        remind_jurors, name="ambassadors_remind_jurors_hourly", minute=17, run_at_startup=False
    )
]
