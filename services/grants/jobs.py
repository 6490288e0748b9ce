"""Jobs of the small grants: flagging final reports that are overdue (hourly cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.grants import commands, domain, notices, store
from shared import jobs as jobkit
from shared import outbox
from shared.events import catalogue as ev
from shared.events import utcnow

SCHEMA = "grants"


async def flag_overdue_reports(ctx: dict[str, Any], today: str | None = None) -> int:
    """Flag each grant whose final report is past due (Europe/Warsaw date) and remind the grantee.

    Idempotent: an award is flagged once (its `overdue_flagged_at` is set in the transaction that
    writes the event and queues the reminder), so a re-run or a concurrent worker flags nothing twice.
    `today` (ISO date) is for operators re-running a past day; by default it is today in Warsaw.
    """
    runtime = ctx["runtime"]
    now = utcnow()
    day = date.fromisoformat(today) if today else domain.warsaw_today(now)
    mail_ids = []
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        rows = await store.claim_overdue(conn, day, now)
        events = []
        for row in rows:
            events.append(
                commands.event(
                    ev.GrantsReportOverdue(
                        application_id=row["application_id"],
                        due_on=row["report_due_on"],
                        flagged_at=now,
                    )
                )
            )
            mail_ids.append(
                await notices.report_overdue(
                    conn,
                    runtime.settings,
                    to=row["email"],
                    lang=row["language"],
                    title=row["title"],
                    due_on=row["report_due_on"].isoformat(),
                )
            )
        if events:
            await outbox.add(conn, *events)
    for mail_id in mail_ids:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    return len(mail_ids)


jobs = [jobkit.func(flag_overdue_reports, name="grants.flag_overdue_reports")]
cron_jobs = [
    jobkit.cron(
        flag_overdue_reports, name="grants.flag_overdue_reports_hourly", minute=17, second=0
    )
]
