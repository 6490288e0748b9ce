"""Jobs of the Council: e-mail reminders before meetings (arq cron, idempotent)."""

from __future__ import annotations

import logging
from typing import Any

from services.participation.council import domain, mails, meetings_store
from services.participation.council.commands import PRODUCER, SCHEMA
from shared import jobs as jobkit
from shared.events import utcnow
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork

log = logging.getLogger("openkrakow.council.jobs")


async def send_meeting_reminders(ctx: dict[str, Any]) -> int:
    """Remind invited members (who did not decline) of meetings starting within 48 hours.

    Each reminder is queued and marked in one transaction, so a re-run (crash, second worker)
    never reminds anyone twice; the kit's mail job does the sending and retrying.
    """
    runtime: Runtime = ctx["runtime"]
    now = utcnow()
    reminded = 0
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        due = await meetings_store.reminders_due(uow.conn, now, now + domain.REMINDER_BEFORE)
        for row in due:
            await uow.queue_mail(mails.reminder(runtime.settings, row), purpose="council.reminder")
            await meetings_store.mark_reminded(uow.conn, row["meeting_id"], row["member_id"], now)
            reminded += 1
    if reminded:
        log.info("queued %d council meeting reminders", reminded)
    return reminded


jobs = [jobkit.func(send_meeting_reminders, name="council_send_meeting_reminders")]
cron_jobs = [
    jobkit.cron(
        send_meeting_reminders,
        name="council_meeting_reminders_cron",
        minute={0, 15, 30, 45},
        second=20,
    )
]
