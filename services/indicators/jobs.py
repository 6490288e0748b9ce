"""Jobs of the indicators service: reminders of the annual report to the coordinators on
1 March and 1 April (arq cron, daily; idempotent: one reminder per year and date).

The Mayor presents the report on the programme for year Y to the City Council by 30 April of
Y+1; until it is approved, each address of COORDINATOR_EMAILS gets a mail on 1 March and on
1 April of Y+1 (Europe/Warsaw dates), in Polish and English.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from services.indicators import programme
from services.indicators.domain import today_warsaw
from shared import jobs as jobkit
from shared import mail
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork

log = logging.getLogger("openkrakow.indicators.jobs")

SCHEMA = "indicators"
PRODUCER = "indicators"
REMINDER_DAYS = {(3, 1): "march", (4, 1): "april"}

SUBJECT = "Raport z realizacji Programu „Otwarty Kraków” za {year} / Open Kraków report for {year}"
TEXT = (
    "Dzień dobry,\n\n"
    "Prezydent przedstawia Radzie Miasta Krakowa raport z realizacji Programu za {year} rok "
    "do 30 kwietnia {next}. Raport nie jest jeszcze zatwierdzony: prosimy uzupełnić opisy celów "
    "szczegółowych, stan zadań i zatwierdzić raport:\n{link}\n\n"
    "Hello,\n\nThe Mayor presents the report on the programme for {year} to the City Council "
    "by 30 April {next}. It is not approved yet: please write the account of each objective, "
    "bring the tasks up to date and approve the report:\n{link}\n\n"
    "Otwarty Kraków"
)


async def remind_report(ctx: dict[str, Any], today: str | None = None) -> int:
    """On 1 March and 1 April (Warsaw), mail every coordinator about last year's report unless
    it is approved; once per year and date whatever the re-runs. `today` (ISO) is for operators
    and tests. Returns the number of mails queued."""
    runtime: Runtime = ctx["runtime"]
    day = date.fromisoformat(today) if today else today_warsaw()
    kind = REMINDER_DAYS.get((day.month, day.day))
    addresses = runtime.settings.coordinator_emails
    if kind is None or not addresses:
        return 0
    year = day.year - 1
    queued = 0
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if await programme.approved(uow.conn, year):
            return 0
        first = await uow.conn.fetchval(
            "insert into report_reminders(year, kind) values ($1, $2) "
            "on conflict do nothing returning year",
            year,
            kind,
        )
        if first is None:
            return 0
        link = f"{runtime.settings.public_url}/programme/report/{year}"
        for address in addresses:
            message = mail.compose(
                sender=runtime.settings.mail_from,
                to=address,
                subject=SUBJECT.format(year=year),
                text=TEXT.format(year=year, next=year + 1, link=link),
                language="pl",
            )
            await uow.queue_mail(message, purpose="indicators.report_reminder")
            queued += 1
    log.info("queued %d reminders of the %s report (%s)", queued, year, kind)
    return queued


jobs = [jobkit.func(remind_report, name="indicators.remind_report")]
cron_jobs = [
    jobkit.cron(
        remind_report, name="indicators.remind_report_daily", hour={6, 9}, minute=5, second=0
    )
]
