"""Meetings of the Council: scheduling (with invitations), cancelling, recording as held with
attendance and quorum, the agenda (the secretariat's items, members' proposals and the
decisions on them) and members' replies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import asyncpg

from services.participation.council import (
    domain,
    mails,
    meetings_store,
    queries,
    store,
    translations,
)
from services.participation.council.commands import PRODUCER, SCHEMA
from services.participation.council.schemas import (
    AgendaDecisionIn,
    AgendaItem,
    AgendaItemIn,
    Created,
    HeldIn,
    HeldView,
    Meeting,
    MeetingIn,
    MonthlyIn,
    Rsvp,
)
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Page
from shared.refusals import conflict, invalid, not_found
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from shared.idempotency import Claimed, Replay


async def locked_meeting(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> asyncpg.Record:
    row = await meetings_store.meeting(conn, meeting_id, for_update=True)
    if row is None:
        raise not_found("council.meeting.not_found", meeting_id=meeting_id)
    return row


# --- scheduling -------------------------------------------------------------------------


async def _schedule(
    uow: UnitOfWork,
    title: str,
    starts_at: datetime,
    place: str,
    i18n: translations.I18n | None = None,
) -> uuid.UUID:
    """Store a meeting and invite every member in office on its day (one token link each)."""
    meeting_id = uuid.uuid4()
    await meetings_store.insert_meeting(uow.conn, meeting_id, title, starts_at, place)
    await translations.save(uow.conn, "meeting", meeting_id, i18n)
    meeting = {"title": title, "starts_at": starts_at, "place": place}
    for member in await store.members_in_office(uow.conn, queries.meeting_day(starts_at)):
        token = domain.new_token()
        await meetings_store.insert_invitation(
            uow.conn, meeting_id, member["id"], domain.hash_token(token)
        )
        if member["email"]:
            await uow.queue_mail(
                mails.invitation(uow.runtime.settings, member, meeting, token),
                purpose="council.invitation",
            )
    uow.emit(ev.CouncilMeetingScheduled(meeting_id=meeting_id, starts_at=starts_at))
    return meeting_id


async def schedule_meeting(
    runtime: Runtime,
    data: MeetingIn,
    requested: Claimed | None = None,
    i18n: translations.I18n | None = None,
) -> Created | Replay:
    """A meeting, its invitations (mailed after commit) and `council.meeting_scheduled`
    (`i18n`: the title's and place's translations typed on the secretariat's page)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        meeting_id = await _schedule(
            uow, data.title.strip(), data.starts_at, data.place.strip(), i18n
        )
        created = Created(id=meeting_id)
        await uow.remember(201, created)
    return created


async def schedule_monthly(
    runtime: Runtime,
    data: MonthlyIn,
    requested: Claimed | None = None,
    i18n: translations.I18n | None = None,
) -> Page[Created] | Replay:
    """`count` meetings a month apart (same day and Warsaw time; clamped to month end)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        created = [
            Created(
                id=await _schedule(uow, data.title.strip(), starts_at, data.place.strip(), i18n)
            )
            for starts_at in domain.monthly_starts(data.first_starts_at, data.count)
        ]
        page = Page(items=created, total=len(created))
        await uow.remember(201, page)
    return page


# --- cancelling, recording as held ------------------------------------------------------


async def cancel(runtime: Runtime, meeting_id: uuid.UUID) -> Meeting:
    """A scheduled meeting becomes cancelled (no reminders; not counted); otherwise refused."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await locked_meeting(uow.conn, meeting_id)
        if row["status"] != "scheduled":
            raise conflict("council.meeting.not_cancellable", status=row["status"])
        now = utcnow()
        await meetings_store.cancel(uow.conn, meeting_id, now)
        view = queries.meeting_view(await meetings_store.meeting(uow.conn, meeting_id))
        uow.emit(ev.CouncilMeetingCancelled(meeting_id=meeting_id, cancelled_at=now))
    return view


async def record_held(runtime: Runtime, meeting_id: uuid.UUID, data: HeldIn) -> HeldView:
    """Record the meeting as held with its attendance, once (a second time: refused, no change).

    An attendee whose member_id is not a member in office on the day is recorded as a guest;
    a member listed twice is refused naming `attendees[i].member_id`.
    """
    attendees = [
        domain.Attendee(a.name.strip(), (a.organisation or "").strip() or None, a.member_id)
        for a in data.attendees
    ]
    repeated = domain.duplicate_members(attendees)
    if repeated:
        raise invalid(f"attendees[{repeated[0]}].member_id", "council.attendee.repeated")
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await locked_meeting(conn, meeting_id)
        now = utcnow()
        refused = domain.meeting_can_be_recorded_held(row["status"], row["starts_at"], now)
        if refused:
            raise refused
        in_office = {
            m["id"]
            for m in await store.members_in_office(conn, queries.meeting_day(row["starts_at"]))
        }
        attendance = domain.classify_attendance(attendees, in_office)
        settings = await store.settings_row(conn)
        rule = domain.QuorumRule(settings["quorum_percent"], settings["quorum_minimum"])
        quorum = rule.reached(len(attendance.members), len(in_office))
        await meetings_store.record_held(
            conn,
            meeting_id,
            at=now,
            members_in_office=len(in_office),
            members_present=len(attendance.members),
            guests=len(attendance.guests),
            quorum_reached=quorum,
        )
        await meetings_store.insert_attendance(
            conn,
            meeting_id,
            [
                (a.name, a.organisation, a.member_id)
                for a in (*attendance.members, *attendance.guests)
            ],
        )
        uow.emit(
            ev.CouncilMeetingHeld(
                meeting_id=meeting_id,
                starts_at=row["starts_at"],
                participants=attendance.participants,
                members_present=len(attendance.members),
                guests=len(attendance.guests),
                quorum_reached=quorum,
            )
        )
    return HeldView(
        id=meeting_id,
        status="held",
        participants=attendance.participants,
        members_present=len(attendance.members),
        guests=len(attendance.guests),
        members_in_office=len(in_office),
        quorum_reached=quorum,
    )


# --- agenda and replies -----------------------------------------------------------------


def _agenda_open(row: asyncpg.Record) -> None:
    if row["status"] != "scheduled":
        raise conflict("council.agenda.closed", status=row["status"])


async def add_agenda_item(
    runtime: Runtime,
    meeting_id: uuid.UUID,
    data: AgendaItemIn,
    i18n: translations.I18n | None = None,
) -> AgendaItem:
    """The secretariat puts an item on the agenda of a scheduled meeting (`i18n`: the title's
    translations)."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        _agenda_open(await locked_meeting(uow.conn, meeting_id))
        item = AgendaItem(
            id=uuid.uuid4(),
            title=data.title.strip(),
            description=(data.description or "").strip() or None,
            status="accepted",
            proposed_by_member=False,
        )
        await meetings_store.insert_agenda_item(
            uow.conn,
            id=item.id,
            meeting_id=meeting_id,
            title=item.title,
            description=item.description,
            proposed_by_member=None,
            status="accepted",
        )
        await translations.save(uow.conn, "agenda", item.id, i18n)
    return item


async def propose(
    runtime: Runtime, who: queries.Invited, title: str, description: str | None
) -> AgendaItem:
    """A member proposes an agenda item with their invitation's token, or signed in on their own
    page (`queries.MemberAt`); 403 for a wrong token or a meeting they are not invited to."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        inv = await queries.invitation(uow.conn, who)
        _agenda_open(await locked_meeting(uow.conn, inv["meeting_id"]))
        item = AgendaItem(
            id=uuid.uuid4(),
            title=title.strip(),
            description=(description or "").strip() or None,
            status="proposed",
            proposed_by_member=True,
        )
        await meetings_store.insert_agenda_item(
            uow.conn,
            id=item.id,
            meeting_id=inv["meeting_id"],
            title=item.title,
            description=item.description,
            proposed_by_member=inv["member_id"],
            status="proposed",
        )
    return item


async def decide_item(runtime: Runtime, item_id: uuid.UUID, data: AgendaDecisionIn) -> AgendaItem:
    """The secretariat accepts or declines a member's proposal."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        item = await meetings_store.agenda_item(uow.conn, item_id)
        if item is None:
            raise not_found("council.agenda.not_found", item_id=item_id)
        _agenda_open(await locked_meeting(uow.conn, item["meeting_id"]))
        await meetings_store.set_agenda_status(uow.conn, item_id, data.status)
    return AgendaItem(
        id=item_id,
        title=item["title"],
        description=item["description"],
        status=data.status,
        proposed_by_member=item["proposed_by_member"] is not None,
    )


async def answer(runtime: Runtime, who: queries.Invited, response: str) -> Rsvp:
    """A member answers an invitation (yes, no, maybe) with its token, or signed in on their own
    page (`queries.MemberAt`); a later answer replaces it."""
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        inv = await queries.invitation(uow.conn, who)
        if inv["meeting_status"] != "scheduled":
            raise conflict("council.rsvp.closed", status=inv["meeting_status"])
        await meetings_store.set_rsvp(
            uow.conn, inv["meeting_id"], inv["member_id"], response, utcnow()
        )
    return Rsvp(member_id=inv["member_id"], name=inv["member_name"], response=response)
