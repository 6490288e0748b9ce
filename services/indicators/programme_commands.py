"""What the coordinator does to the programme's year: add a task, record a dated progress note
(changing the task's status with it), write the report's narrative, approve (freeze) the report.
The API and the pages call these; each runs in one `UnitOfWork` and emits its events (ids,
objectives, statuses and dates: never a title or a note's text)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.indicators import programme, programme_report
from services.indicators.domain import today_warsaw
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.refusals import Kind, Refusal, Refused, conflict
from shared.unit_of_work import UnitOfWork

SCHEMA = "indicators"
PRODUCER = "indicators"


def _check_uk(title_uk: str) -> None:
    """A Ukrainian title is optional; given, at most TITLE_MAX characters."""
    if len(title_uk.strip()) > programme.TITLE_MAX:
        raise Refused(Kind.INVALID, Refusal("programme.title_invalid", field="title_uk"))


async def add_task(
    runtime: Any,
    *,
    objective: int,
    title_pl: str,
    title_en: str,
    units: str,
    deadline: date | None,
    status: str = "planned",
    title_uk: str = "",
) -> programme.Task:
    """A new task under `objective`: yearly (continuous) without a deadline, else due by it."""
    programme.check_task(objective, title_pl or title_en, units, status, deadline)
    _check_uk(title_uk)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await uow.conn.fetchrow(
            "insert into programme_tasks(objective, number, title_pl, title_en, title_uk, units, "
            "cycle, deadline, status) values ($1, (select coalesce(max(number), 0) + 1 from "
            "programme_tasks where objective = $1), $2, $3, $4, $5, $6, $7, $8) returning id",
            objective,
            (title_pl or title_en).strip(),
            (title_en or title_pl).strip(),
            title_uk.strip() or None,
            units.strip(),
            "once" if deadline else "yearly",
            deadline,
            status,
        )
        uow.emit(
            ev.ProgrammeTaskAdded(
                task_id=row["id"],
                objective=objective,
                cycle="once" if deadline else "yearly",
                deadline=deadline,
                status=status,  # type: ignore[arg-type]
                added_at=utcnow(),
            )
        )
        found = await programme.task(uow.conn, row["id"])
    return found


async def edit_task(
    runtime: Any,
    task_id: int,
    *,
    title_pl: str,
    title_en: str,
    units: str,
    deadline: date | None,
    title_uk: str = "",
) -> programme.Task:
    """Change a task's titles (Ukrainian optional: empty, the Polish one is shown), units and deadline (none: a yearly task). Emits
    `indicators.task_edited`; the status changes with a note (`record_note`)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        current = await uow.conn.fetchrow(
            "select objective, status from programme_tasks where id = $1 for update", task_id
        )
        if current is None:
            raise programme.not_found("programme.task_not_found", task_id=task_id)
        programme.check_task(current["objective"], title_pl, units, current["status"], deadline)
        if not title_en.strip():
            raise Refused(Kind.INVALID, Refusal("programme.title_invalid", field="title_en"))
        _check_uk(title_uk)
        await uow.conn.execute(
            "update programme_tasks set title_pl = $2, title_en = $3, units = $4, cycle = $5, "
            "deadline = $6, title_uk = $7, updated_at = now() where id = $1",
            task_id,
            title_pl.strip(),
            title_en.strip(),
            units.strip(),
            "once" if deadline else "yearly",
            deadline,
            title_uk.strip() or None,
        )
        uow.emit(
            ev.ProgrammeTaskEdited(
                task_id=task_id,
                objective=current["objective"],
                cycle="once" if deadline else "yearly",
                deadline=deadline,
                edited_at=utcnow(),
            )
        )
        found = await programme.task(uow.conn, task_id)
    return found


async def record_note(
    runtime: Any, author: str, task_id: int, text: str, status: str | None = None
) -> programme.Note:
    """A dated progress note (today in Warsaw) by `author`; with `status`, the task takes it."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        current = await uow.conn.fetchrow(
            "select objective, status from programme_tasks where id = $1 for update", task_id
        )
        if current is None:
            raise programme.not_found("programme.task_not_found", task_id=task_id)
        programme.check_note(text, status)
        now = utcnow()
        row = await uow.conn.fetchrow(
            "insert into programme_task_notes(task_id, written_on, text, status, author) "
            "values ($1, $2, $3, $4, $5) returning *",
            task_id,
            today_warsaw(),
            text.strip(),
            status,
            author,
        )
        uow.emit(
            ev.ProgrammeTaskNoteRecorded(
                task_id=task_id,
                objective=current["objective"],
                note_id=row["id"],
                written_on=row["written_on"],
                recorded_at=now,
            )
        )
        if status is not None and status != current["status"]:
            await uow.conn.execute(
                "update programme_tasks set status = $2, updated_at = now() where id = $1",
                task_id,
                status,
            )
            uow.emit(
                ev.ProgrammeTaskStatusChanged(
                    task_id=task_id,
                    objective=current["objective"],
                    previous=current["status"],
                    status=status,  # type: ignore[arg-type]
                    changed_at=now,
                )
            )
    return programme._note(row)


async def save_narrative(
    runtime: Any, author: str, year: int, texts: dict[tuple[int, str], str]
) -> None:
    """The report's narrative of `year`, per (objective, language); refused once approved."""
    wrong = [
        Refusal("programme.narrative_too_long", field=f"narrative_{o}_{lang}")
        for (o, lang), text in texts.items()
        if len(text) > programme.NARRATIVE_MAX
    ]
    if wrong:
        raise Refused(Kind.INVALID, *wrong)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if await programme.approved(uow.conn, year):
            raise conflict("programme.report_frozen", year=year)
        await uow.conn.executemany(
            "insert into report_narratives(year, objective, lang, text, updated_by) "
            "values ($1, $2, $3, $4, $5) on conflict (year, objective, lang) do update set "
            "text = excluded.text, updated_by = excluded.updated_by, updated_at = now()",
            [(year, o, lang, text.strip(), author) for (o, lang), text in texts.items()],
        )


async def approve_report(runtime: Any, author: str, year: int) -> None:
    """Freeze the report of `year`: its page in Polish and English and its figures are stored
    as they are now; later changes never alter them. Refused (409) when already approved."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        await uow.conn.execute("select pg_advisory_xact_lock(hashtext('indicators.approve'))")
        if await programme.approved(uow.conn, year):
            raise conflict("programme.report_frozen", year=year)
        content = await programme_report.assemble(uow.conn, year)
        now = utcnow()
        await uow.conn.execute(
            "insert into approved_reports(year, approved_by, approved_at, html_pl, html_en, "
            "public_pl, public_en, figures) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
            year,
            author,
            now,
            programme_report.document(content, "pl", approved_at=now),
            programme_report.document(content, "en", approved_at=now),
            programme_report.document(content, "pl", approved_at=now, published=True),
            programme_report.document(content, "en", approved_at=now, published=True),
            programme_report.figures_json(content),
        )
        uow.emit(ev.ProgrammeReportApproved(year=year, approved_at=now))
