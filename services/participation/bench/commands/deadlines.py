"""What time does to the Bench: questions past their due date, editions past their closing time.
The crons (`scheduled.py`) call these; each is one unit of work and safe to run again."""

from __future__ import annotations

from datetime import datetime

from services.participation.bench import mails, store
from services.participation.bench import store_questions as sq
from services.participation.bench.commands import unit_of_work
from shared.events import catalogue as ev
from shared.runtime import Runtime


async def flag_overdue(runtime: Runtime, now: datetime) -> int:
    """Flag open questions past their due date once (BenchQuestionOverdue) and remind their
    responder and the edition's coordinator; how many were flagged."""
    async with unit_of_work(runtime) as uow:
        rows = await sq.due_unflagged(uow.conn, now)
        for q in rows:
            await sq.flag_overdue(uow.conn, q["id"], now)
            uow.emit(
                ev.BenchQuestionOverdue(question_id=q["id"], due_at=q["due_at"], flagged_at=now)
            )
            queue_url = (
                f"{runtime.settings.public_url}/api/bench/editions/{q['edition_id']}/questions"
            )
            for to in dict.fromkeys(a for a in (q["responder_email"], q["coordinator_email"]) if a):
                reminder = mails.overdue_reminder(
                    runtime.settings,
                    to=to,
                    reference=q["reference"],
                    due_at=q["due_at"],
                    queue_url=queue_url,
                )
                await uow.queue_mail(reminder, purpose="bench.overdue_reminder")
    return len(rows)


async def close_past_editions(runtime: Runtime) -> int:
    """Close the submissions of editions whose closing time has passed; how many."""
    async with unit_of_work(runtime) as uow:
        rows = await store.editions_past_close(uow.conn)
        for edition in rows:
            await store.set_edition_status(uow.conn, edition["id"], "closed")
            uow.emit(
                ev.BenchEditionSubmissionsClosed(
                    edition_id=edition["id"], closed_at=edition["submissions_close_at"]
                )
            )
    return len(rows)
