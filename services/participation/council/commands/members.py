"""Membership of the Council: the quorum rule, calls for members, applications, appointments
and departures."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from services.participation.council import domain, mails, queries, store, translations
from services.participation.council.commands import PRODUCER, SCHEMA
from services.participation.council.schemas import (
    ApplicationCreated,
    ApplicationIn,
    AppointmentIn,
    Call,
    CallIn,
    LeaveIn,
    Member,
    SettingsIn,
    SettingsView,
)
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.people import invitation_link, new_subject
from shared.refusals import Kind, Reasons, conflict, invalid, not_found, refuse
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from shared.idempotency import Claimed, Replay


async def update_settings(runtime: Runtime, data: SettingsIn) -> SettingsView:
    """Set the quorum: more than `quorum_percent` % of members in office, at least `quorum_minimum`."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        await store.update_settings(uow.conn, data.quorum_percent, data.quorum_minimum)
        return await queries.settings_view(uow.conn)


# --- calls ------------------------------------------------------------------------------


def check_call(data: CallIn) -> None:
    """Rules msgspec cannot express: a term and a window in order, at least one seat."""
    if data.term_end <= data.term_start:
        raise invalid("term_end", "council.term.order")
    if data.closes_at <= data.opens_at:
        raise invalid("closes_at", "council.call.window_order")
    if not data.seats or sum(data.seats.values()) == 0:
        raise invalid("seats", "council.call.no_seats")


async def open_call(
    runtime: Runtime,
    data: CallIn,
    requested: Claimed | None = None,
    i18n: translations.I18n | None = None,
) -> Call | Replay:
    """Open a call for members: the term, the seats per category, when applications are taken
    (`i18n`: the title's and description's translations typed on the secretariat's page)."""
    check_call(data)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        call_id = uuid.uuid4()
        seats = {k: int(v) for k, v in data.seats.items()}
        await store.insert_call(
            uow.conn,
            id=call_id,
            title=data.title.strip(),
            description=data.description.strip(),
            term_start=data.term_start,
            term_end=data.term_end,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            seats=seats,
        )
        await translations.save(uow.conn, "call", call_id, i18n)
        view = await queries.call_view(uow.conn, await store.call(uow.conn, call_id))
        await uow.remember(201, view)
        uow.emit(
            ev.CouncilCallOpened(
                call_id=call_id,
                term_start=data.term_start,
                term_end=data.term_end,
                seats=seats,
                closes_at=data.closes_at,
            )
        )
    return view


# --- applications -----------------------------------------------------------------------


def check_application(data: ApplicationIn) -> None:
    """Rules msgspec cannot express: consent given, an organisation named when one applies."""
    if not data.consent:
        raise invalid("consent", "council.application.consent")
    if data.applicant_kind == "organisation" and not (data.organisation or "").strip():
        raise invalid("organisation", "council.application.organisation")


async def receive_application(
    runtime: Runtime,
    call_id: uuid.UUID,
    data: ApplicationIn,
    requested: Claimed | None = None,
    now: datetime | None = None,
) -> ApplicationCreated | Replay:
    """Store an application with its acknowledgement mail and `council.application_received`."""
    check_application(data)
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        call = await store.call(uow.conn, call_id)
        if call is None:
            raise not_found("council.call.not_found", call_id=call_id)
        closed = domain.call_accepts_applications(call["opens_at"], call["closes_at"], now)
        if closed:
            raise conflict("council.call.not_accepting", reasons=Reasons(closed.refusals))
        if call["seats"].get(data.category, 0) == 0:
            raise invalid("category", "council.application.no_seats", category=data.category)
        year = now.astimezone(domain.WARSAW).year
        reference = domain.format_application_reference(
            year, await store.next_application_seq(uow.conn, year)
        )
        application_id = uuid.uuid4()
        name = data.name.strip()
        email = data.email.strip().lower()
        await store.insert_application(
            uow.conn,
            id=application_id,
            call_id=call_id,
            reference=reference,
            applicant_kind=data.applicant_kind,
            category=data.category,
            name=name,
            organisation=(data.organisation or "").strip() or None,
            email=email,
            language=data.language,
            motivation=data.motivation.strip(),
            consent=True,
            received_at=now,
        )
        await uow.queue_mail(
            mails.acknowledgement(
                runtime.settings, email, data.language, name, call["title"], reference
            ),
            purpose="council.application_ack",
        )
        created = ApplicationCreated(id=application_id, reference=reference, status="received")
        await uow.remember(201, created)
        uow.emit(
            ev.CouncilApplicationReceived(
                application_id=application_id,
                call_id=call_id,
                applicant_kind=data.applicant_kind,
                category=data.category,
                language=data.language,
                received_at=now,
            )
        )
    return created


# --- members ----------------------------------------------------------------------------


async def _appointee(conn: asyncpg.Connection, data: AppointmentIn) -> dict[str, Any]:
    """Who is appointed, for which seat and term: from the application, or given in the body."""
    if data.application_id:
        app = await store.application_for_update(conn, data.application_id)
        if app is None:
            raise refuse(Kind.NOT_FOUND, "council.application.not_found", field="application_id")
        if app["status"] == "appointed":
            raise conflict("council.application.appointed")
        call = await store.call(conn, app["call_id"])
        assert call is not None
        return {
            "call": call,
            "application_id": app["id"],
            "name": app["name"],
            "organisation": app["organisation"],
            "email": app["email"],
            "language": app["language"],
            "category": app["category"],
            "term_start": data.term_start or call["term_start"],
            "term_end": data.term_end or call["term_end"],
        }
    missing = [f for f in ("name", "category") if getattr(data, f) is None]
    if missing:
        raise invalid(missing[0], "council.appointment.required")
    call = await store.call(conn, data.call_id) if data.call_id else None
    if data.call_id and call is None:
        raise refuse(Kind.NOT_FOUND, "council.appointment.call_not_found", field="call_id")
    start = data.term_start or (call["term_start"] if call else None)
    end = data.term_end or (call["term_end"] if call else None)
    if start is None or end is None:
        raise invalid("term_start", "council.appointment.no_term")
    return {
        "call": call,
        "application_id": None,
        "name": (data.name or "").strip(),
        "organisation": (data.organisation or "").strip() or None,
        "email": data.email.strip().lower() if data.email else None,
        "language": data.language,
        "category": data.category,
        "term_start": start,
        "term_end": end,
    }


async def appoint(
    runtime: Runtime, data: AppointmentIn, requested: Claimed | None = None
) -> Member | Replay:
    """Appoint a member for a term (from an application, or directly); `replaces` a member who
    leaves. Serialised with every appointment and departure (advisory lock).

    The member gets the subject the council already gave their address (or a new one), and a
    welcome mail in their language with a one-time link to their page `/council/my`."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        await store.lock_membership(conn)
        who = await _appointee(conn, data)
        if who["term_end"] <= who["term_start"]:
            raise invalid("term_end", "council.term.order")
        replaced = None
        if data.replaces:
            replaced = await store.member(conn, data.replaces, for_update=True)
            if replaced is None:
                raise refuse(Kind.NOT_FOUND, "council.replaced.not_found", field="replaces")
            if replaced["left_on"] is not None:
                raise conflict("council.replaced.left")
            left_on = max(queries.today(), replaced["term_start"])
            await store.record_departure(conn, replaced["id"], left_on, "replaced")
            uow.emit(
                ev.CouncilMemberLeft(member_id=replaced["id"], reason="replaced", left_on=left_on)
            )
        call = who["call"]
        if call is not None:
            full = domain.seat_free(
                call["seats"],
                who["category"],
                (await store.seats_taken(conn, call["id"])).get(who["category"], 0),
            )
            if full:
                raise full
        member_id = uuid.uuid4()
        subject = (
            await store.subject_for_email(conn, who["email"]) if who["email"] else None
        ) or new_subject()
        await store.insert_member(
            conn,
            id=member_id,
            call_id=call["id"] if call else None,
            application_id=who["application_id"],
            name=who["name"],
            organisation=who["organisation"],
            email=who["email"],
            language=who["language"],
            category=who["category"],
            term_start=who["term_start"],
            term_end=who["term_end"],
            replaces=replaced["id"] if replaced else None,
            subject=subject,
        )
        if who["application_id"]:
            await store.mark_application_appointed(conn, who["application_id"])
        if who["email"]:
            await uow.queue_mail(
                mails.appointment(
                    runtime.settings,
                    who["email"],
                    who["language"],
                    who["name"],
                    who["term_start"].isoformat(),
                    who["term_end"].isoformat(),
                    invitation_link(
                        runtime, subject=subject, role="council_member", next="/council/my"
                    ),
                ),
                purpose="council.appointment",
            )
        view = queries.member_view(await store.member(conn, member_id))
        await uow.remember(201, view)
        uow.emit(
            ev.CouncilMemberAppointed(
                member_id=member_id,
                category=who["category"],
                term_start=who["term_start"],
                term_end=who["term_end"],
                call_id=call["id"] if call else None,
                replaces=replaced["id"] if replaced else None,
            )
        )
    return view


async def leave(runtime: Runtime, member_id: uuid.UUID, data: LeaveIn) -> Member:
    """A member resigns, is dismissed, or their term ended; the seat becomes free."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        await store.lock_membership(uow.conn)
        row = await store.member(uow.conn, member_id, for_update=True)
        if row is None:
            raise not_found("council.member.not_found", member_id=member_id)
        if row["left_on"] is not None:
            raise conflict("council.member.left", left_on=row["left_on"])
        left_on = data.left_on or queries.today()
        await store.record_departure(uow.conn, member_id, left_on, data.reason)
        view = queries.member_view(await store.member(uow.conn, member_id))
        uow.emit(ev.CouncilMemberLeft(member_id=member_id, reason=data.reason, left_on=left_on))
    return view
