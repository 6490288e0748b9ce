"""Jobs of the Council: e-mail reminders before meetings (arq cron, idempotent)."""

from __future__ import annotations

import logging
from typing import Any

from services.participation.council import domain, mails, meetings_store
from shared import jobs as jobkit
from shared.events import utcnow
from shared.runtime import Runtime

SCHEMA = "participation"
log = logging.getLogger("openkrakow.council.jobs")


async def send_meeting_reminders(ctx: dict[str, Any]) -> int:
    """Remind invited members (who did not decline) of meetings starting within 48 hours.

    Each reminder is queued and marked in one transaction, so a re-run (crash, second worker)
    never reminds anyone twice; the kit's mail job does the sending and retrying.
    """
    runtime: Runtime = ctx["runtime"]
    now = utcnow()
    mail_ids = []
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        for row in await meetings_store.reminders_due(conn, now, now + domain.REMINDER_BEFORE):
            mail_ids.append(await mails.queue_reminder(conn, runtime.settings, row))
            await meetings_store.mark_reminded(conn, row["meeting_id"], row["member_id"], now)
    for mail_id in mail_ids:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    if mail_ids:
        log.info("queued %d council meeting reminders", len(mail_ids))
    return len(mail_ids)


jobs = [jobkit.func(send_meeting_reminders, name="council_send_meeting_reminders")]
cron_jobs = [
    jobkit.cron(
        send_meeting_reminders,
        name="council_meeting_reminders_cron",
        minute={0, 15, 30, 45},
        second=20,
    )
]
