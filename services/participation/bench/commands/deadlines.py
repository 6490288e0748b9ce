"""What time does to the Bench: questions past their due date, editions past their closing time.
The crons (`scheduled.py`) call these; each is one unit of work and safe to run again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.participation.bench import domain, mails, store
from services.participation.bench import store_departments as sd
from services.participation.bench import store_questions as sq
from services.participation.bench.commands import unit_of_work
from shared.events import catalogue as ev
from shared.people import invitation_link
from shared.runtime import Runtime
from shared.signin import coordinator_subject


async def flag_overdue(runtime: Runtime, now: datetime) -> int:
    """Flag open questions past their due date once (BenchQuestionOverdue), then climb the
    escalation ladder (`escalate`); how many were flagged."""
    async with unit_of_work(runtime) as uow:
        rows = await sq.due_unflagged(uow.conn, now)
        for q in rows:
            await sq.flag_overdue(uow.conn, q["id"], now)
            uow.emit(
                ev.BenchQuestionOverdue(question_id=q["id"], due_at=q["due_at"], flagged_at=now)
            )
    await escalate(runtime, now)
    return len(rows)


async def escalate(runtime: Runtime, now: datetime) -> int:
    """The escalation ladder of every open question, from its department's settings (3 days
    when it has none): a reminder to its responder `reminder_days` before the due day, its
    department's head on the due day (nobody when it has none: the next step follows), the
    coordinators after the due date (COORDINATOR_EMAILS and the edition's `coordinator_email`).
    Each step is recorded once (`bench_escalations`) in the same unit of work as its mails, so a
    second run sends nothing; how many steps were taken."""
    taken = 0
    async with unit_of_work(runtime) as uow:
        for q in await sd.ladder_candidates(uow.conn, now):
            steps = domain.ladder_steps(
                status=q["status"],
                due_at=q["due_at"],
                reminder_days=q["reminder_days"],
                taken=list(q["steps"]),
                now=now,
            )
            for step in steps:
                recipients = _recipients(runtime, q, step)
                if not await sd.record_step(uow.conn, q["id"], step, now, len(recipients)):
                    continue
                taken += 1
                for to, language, link in recipients:
                    message = mails.escalation(
                        runtime.settings,
                        step=step,
                        to=to,
                        language=language,
                        reference=q["reference"],
                        due_at=q["due_at"],
                        link=link,
                    )
                    await uow.queue_mail(message, purpose=f"bench.escalation_{step}")
    return taken


def _recipients(runtime: Runtime, q: Any, step: str) -> list[tuple[str, str, str]]:
    """(address, language, link) of a step's mails; never empty for the responder's reminder
    (the registry's address, else the one typed at assignment, else the department's)."""
    page = f"/bench/staff/questions/{q['id']}"
    plain = f"{runtime.settings.public_url}{page}"
    if step == "reminder":
        to = q["registry_email"] or q["responder_email"] or q["dept_email"]
        if to is None or q["assigned_to"] is None:
            return []
        link = invitation_link(runtime, subject=q["assigned_to"], role="responder", next=page)
        return [(to, q["responder_language"] or "pl", link)]
    if step == "head":  # a question of no department of the registry has no head to tell
        return [(q["head_email"], "pl", plain)] if q["head_email"] else []
    found: list[tuple[str, str, str]] = []
    for to in runtime.settings.coordinator_emails:
        link = invitation_link(
            runtime, subject=coordinator_subject(to), role="coordinator", next=page, name=to
        )
        found.append((to, "pl", link))
    edition_coordinator = q["coordinator_email"]
    if edition_coordinator and edition_coordinator not in runtime.settings.coordinator_emails:
        found.append((edition_coordinator, "pl", plain))
    return found


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
