"""Jobs of the small grants: flagging final reports that are overdue (hourly cron); they call
the commands."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.grants import commands, domain
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
