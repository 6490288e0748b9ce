"""Jobs of the small grants: flagging final reports that are overdue (hourly cron); they call
the commands."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.grants import commands, commands_ngo, domain
from shared import jobs as jobkit
from shared.events import utcnow


async def flag_overdue_reports(ctx: dict[str, Any], today: str | None = None) -> int:
    """Flag each grant whose final report is past due (Europe/Warsaw date) and remind the grantee
    (`commands.flag_overdue_reports`: idempotent, a grant is flagged once).
    `today` (ISO date) is for operators re-running a past day; by default it is today in Warsaw.
    """
    now = utcnow()
    day = date.fromisoformat(today) if today else domain.warsaw_today(now)
    return await commands.flag_overdue_reports(ctx["runtime"], day, now=now)


jobs = [jobkit.func(flag_overdue_reports, name="grants.flag_overdue_reports")]
cron_jobs = [
    jobkit.cron(
        flag_overdue_reports, name="grants.flag_overdue_reports_hourly", minute=17, second=0
    )
]


async def purge_pending(ctx: dict[str, Any]) -> int:
    """Forget registrations and join requests never completed (`commands_ngo.purge_pending`)."""
    return await commands_ngo.purge_pending(ctx["runtime"])


jobs.append(jobkit.func(purge_pending, name="grants.purge_pending"))
cron_jobs.append(
    jobkit.cron(purge_pending, name="grants.purge_pending_daily", hour=3, minute=41, second=0)
)
