"""Jobs: e-mail reminders to jurors before the jury deadline (arq cron, idempotent)."""

from __future__ import annotations

import logging
from typing import Any

from services.ambassadors import domain, mails, store
from shared import jobs as jobkit
from shared.events import utcnow
from shared.runtime import Runtime

log = logging.getLogger("openkrakow.ambassadors.jobs")
SCHEMA = "ambassadors"


async def remind_jurors(ctx: dict[str, Any]) -> int:
    """Remind every juror with undecided nominations 3 days and 1 day before the jury deadline.

    Each (juror, days before) reminder is claimed in jury_reminders in the transaction that
    queues its e-mail, so a re-run, or two workers at once, never send a reminder twice.
    """
    runtime: Runtime = ctx["runtime"]
    pool = runtime.pool(SCHEMA)
    now = utcnow()
    queued = []
    async with pool.acquire() as conn:
        editions = await store.editions_in_jury_phase(conn, now)
    for edition in editions:
        due = [
            d
            for d in domain.REMINDER_DAYS
            if domain.reminder_due(edition["jury_deadline_at"], now, d)
        ]
        if not due:
            continue
        async with pool.acquire() as conn, conn.transaction():
            for juror in await store.jury_progress(conn, edition["id"]):
                pending = juror["eligible"] - juror["scored"] - juror["recused"]
                if pending <= 0:
                    continue
                # Claim every due stage: a juror appointed late gets one reminder, not two at once.
                claimed = [await store.claim_reminder(conn, juror["id"], d) for d in due]
                if any(claimed):
                    queued.append(
                        await mails.remind_juror(
                            conn,
                            runtime.settings,
                            to=juror["email"],
                            name=juror["name"],
                            year=edition["year"],
                            deadline=edition["jury_deadline_at"],
                            pending=pending,
                        )
                    )
    for mail_id in queued:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    if queued:
        log.info("queued %d jury reminders", len(queued))
    return len(queued)


jobs = [jobkit.func(remind_jurors, name="ambassadors_remind_jurors")]
cron_jobs = [
    jobkit.cron(
        remind_jurors, name="ambassadors_remind_jurors_hourly", minute=17, run_at_startup=False
    )
]
