"""Reports: a resident reports an incident (no account needed); the response team triages and
refers it. Every step goes into the report's history in the same transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from services.incidents import domain, mails, queries, store
from services.incidents import refusals as _codes  # noqa: F401 - registers the codes
from services.incidents.commands import PRODUCER, SCHEMA
from services.incidents.schemas import Report, ReportCreated, ReportIn, TriageIn
from shared import addresses
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.refusals import conflict, invalid, not_found
from shared.unit_of_work import UnitOfWork


def parse_when(when: str, now: datetime) -> tuple[date, time | None]:
    """The day and the time (Warsaw) of `when`; a refusal naming `when` if it is no real date,
    is in the future or lies more than five years back."""
    day, _, clock = when.partition("T")
    try:
        on = date.fromisoformat(day)
        at = time.fromisoformat(clock) if clock else None
    except ValueError as exc:
        raise invalid("when", "incidents.report.when_invalid") from exc
    if domain.occurred_in_future(on, at, now):
        raise invalid("when", "incidents.report.when_future")
    if domain.too_old(on, now):
        raise invalid("when", "incidents.report.when_old")
    return on, at


def check_report(data: ReportIn, now: datetime) -> tuple[date, time | None]:
    """What the body's schema cannot say."""
    if len(data.what.strip()) < domain.MIN_WHAT:
        raise invalid("what", "incidents.report.what_short")
    return parse_when(data.when, now)


async def report(
    runtime: Any,
    data: ReportIn,
    channel: str = "web",
    requested: Claimed | None = None,
) -> ReportCreated | Replay:
    """Record a report; anonymous unless it carries an address (only used to tell them it was
    referred)."""
    now = utcnow()
    on, at = check_report(data, now)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        report_id = uuid.uuid4()
        reference = domain.format_reference(await store.next_number(uow.conn), now)
        category = data.category or domain.UNSPECIFIED
        await store.insert_report(
            uow.conn,
            id=report_id,
            reference=reference,
            what=data.what.strip(),
            place=data.where.strip(),
            district=data.district,
            occurred_on=on,
            occurred_time=at,
            category=category,
            reported_to_police=data.reported_to_police,
            email=addresses.normalise(data.email) if data.email else None,
            language=data.language,
            channel=channel,
            reported_at=now,
        )
        await store.add_step(
            uow.conn, report_id, "reported", "reporter", now, {"category": category}
        )
        uow.emit(
            ev.IncidentReported(
                report_id=report_id,
                category=category,  # type: ignore[arg-type]
                district=domain.district_key(data.district),  # type: ignore[arg-type]
                language=data.language,
                channel=channel,  # type: ignore[arg-type]
                reported_at=now,
            )
        )
        answer = ReportCreated(reference=reference)
        await uow.remember(201, answer)
        return answer


def check_triage(data: TriageIn) -> None:
    """A triage names both category and severity; a referral names where and why."""
    triage = data.category is not None or data.severity is not None
    if not triage and data.refer_to is None:
        raise invalid("category", "incidents.triage.nothing")
    if triage and (data.category is None or data.severity is None):
        raise invalid(
            "severity" if data.severity is None else "category", "incidents.triage.incomplete"
        )
    if data.refer_to is not None and not data.note.strip():
        raise invalid("note", "incidents.triage.note_needed")


async def triage(runtime: Any, actor: str, report_id: uuid.UUID, data: TriageIn) -> Report:
    """Triage (category confirmed, severity) and/or refer (police, an NGO, a department) the
    report; the reporter who left an address is mailed in their language on referral."""
    check_triage(data)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.report(conn, report_id, for_update=True)
        if row is None:
            raise not_found("incidents.report.not_found", report_id=report_id)
        status = row["status"]
        now = utcnow()
        if data.category is not None and data.severity is not None:
            if not domain.can_triage(status):
                raise conflict("incidents.triage.referred")
            await store.set_triaged(conn, report_id, data.category, data.severity, now)
            await store.add_step(
                conn,
                report_id,
                "triaged",
                actor,
                now,
                {"category": data.category, "severity": data.severity},
            )
            uow.emit(
                ev.IncidentTriaged(
                    report_id=report_id,
                    category=data.category,
                    severity=data.severity,
                    triaged_at=now,
                )
            )
            status = "triaged"
        if data.refer_to is not None:
            if status == "referred":
                raise conflict("incidents.triage.referred")
            if not domain.can_refer(status):
                raise conflict("incidents.triage.not_triaged")
            note = data.note.strip()
            await store.set_referred(conn, report_id, data.refer_to, note, now)
            await store.add_step(
                conn, report_id, "referred", actor, now, {"to": data.refer_to}, note
            )
            uow.emit(
                ev.IncidentReferred(
                    report_id=report_id,
                    to_kind=data.refer_to,
                    reported_at=row["reported_at"],
                    referred_at=now,
                )
            )
            if row["email"]:
                await uow.queue_mail(
                    mails.referred(
                        runtime.settings,
                        to=row["email"],
                        language=row["language"],
                        reference=row["reference"],
                        to_kind=data.refer_to,
                    ),
                    purpose="incidents.referred",
                )
        return await queries.report_in(conn, report_id, now)
