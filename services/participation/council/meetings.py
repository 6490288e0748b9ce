"""What the secretariat does with meetings, whichever door it uses.

The meetings API (`api_meetings.py`, `api_minutes.py`) and the secretary's pages
(`staff_pages.py`) both call these, so a rule (who is a member present, when a meeting may be
recorded as held or cancelled, when minutes may change) is written once. Each raises the HTTP
errors the API answers with: 404, 409 for a state that forbids it, 422 naming a field.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
from litestar.exceptions import NotFoundException

from services.participation.council import domain, mails, meetings_store, store
from services.participation.council.api_members import event
from services.participation.council.schemas import (
    AgendaItem,
    ApproveIn,
    AttendeeView,
    HeldIn,
    HeldView,
    Meeting,
    MeetingDetail,
    MeetingIn,
    MinutesIn,
    Resolution,
    Rsvp,
)
from shared import outbox
from shared.config import Settings
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Conflict, field_error
from shared.runtime import Runtime

SCHEMA = "participation"


# --- views ------------------------------------------------------------------------------


def minutes_status(row: asyncpg.Record) -> str:
    if row["minutes_approved_at"] is not None:
        return "approved"
    return "draft" if row["minutes_text"] else "none"


def meeting_view(row: asyncpg.Record) -> Meeting:
    return Meeting(
        id=row["id"],
        title=row["title"],
        starts_at=row["starts_at"],
        place=row["place"],
        status=row["status"],
        members_present=row["members_present"],
        guests=row["guests"],
        quorum_reached=row["quorum_reached"],
        minutes_status=minutes_status(row),  # type: ignore[arg-type]
    )


def resolution_view(row: asyncpg.Record) -> Resolution:
    return Resolution(**{f: row[f] for f in Resolution.__struct_fields__})


async def meeting_detail(
    conn: asyncpg.Connection, row: asyncpg.Record, *, public: bool
) -> MeetingDetail:
    agenda = await meetings_store.agenda(conn, row["id"])
    approved = row["minutes_approved_at"] is not None
    return MeetingDetail(
        **{f: getattr(meeting_view(row), f) for f in Meeting.__struct_fields__},
        agenda=[
            AgendaItem(
                id=a["id"],
                title=a["title"],
                description=a["description"],
                status=a["status"],
                proposed_by_member=a["proposed_by_member"] is not None,
            )
            for a in agenda
            if not public or a["status"] == "accepted"
        ],
        rsvps=[]
        if public
        else [Rsvp(**dict(r)) for r in await meetings_store.rsvps(conn, row["id"])],
        attendance=[]
        if public
        else [AttendeeView(**dict(r)) for r in await meetings_store.attendance(conn, row["id"])],
        minutes=row["minutes_text"] if approved or not public else None,
        minutes_approved_at=row["minutes_approved_at"],
        resolutions=[resolution_view(r) for r in await meetings_store.resolutions(conn, row["id"])],
    )


async def detail(runtime: Runtime, meeting_id: uuid.UUID) -> MeetingDetail:
    """A meeting with agenda, RSVPs, attendance, minutes and resolutions (the secretariat's)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await meetings_store.meeting(conn, meeting_id)
        if row is None:
            raise NotFoundException(f"no meeting {meeting_id}")
        return await meeting_detail(conn, row, public=False)


async def locked_meeting(conn: asyncpg.Connection, meeting_id: uuid.UUID) -> asyncpg.Record:
    row = await meetings_store.meeting(conn, meeting_id, for_update=True)
    if row is None:
        raise NotFoundException(f"no meeting {meeting_id}")
    return row


def meeting_day(starts_at: datetime) -> Any:
    """The Warsaw day of a meeting: who is in office that day is invited and counted."""
    return starts_at.astimezone(domain.WARSAW).date()


# --- scheduling -------------------------------------------------------------------------


async def schedule(
    conn: asyncpg.Connection, settings: Settings, title: str, starts_at: datetime, place: str
) -> tuple[uuid.UUID, list[uuid.UUID], Any]:
    """Store a meeting and invite every member in office on its day (one token link each)."""
    meeting_id = uuid.uuid4()
    await meetings_store.insert_meeting(conn, meeting_id, title, starts_at, place)
    mail_ids = []
    meeting = {"title": title, "starts_at": starts_at, "place": place}
    for member in await store.members_in_office(conn, meeting_day(starts_at)):
        token = domain.new_token()
        await meetings_store.insert_invitation(
            conn, meeting_id, member["id"], domain.hash_token(token)
        )
        if member["email"]:
            mail_ids.append(await mails.queue_invitation(conn, settings, member, meeting, token))
    return (
        meeting_id,
        mail_ids,
        event(ev.CouncilMeetingScheduled(meeting_id=meeting_id, starts_at=starts_at)),
    )


async def schedule_meeting(
    conn: asyncpg.Connection, settings: Settings, data: MeetingIn
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """In the caller's transaction: the meeting, its invitations and `council.meeting_scheduled`.

    The caller sends the returned mails (`runtime.send_mail_soon`) once it has committed."""
    meeting_id, mail_ids, scheduled = await schedule(
        conn, settings, data.title.strip(), data.starts_at, data.place.strip()
    )
    await outbox.add(conn, scheduled)
    return meeting_id, mail_ids


# --- cancelling, recording as held ------------------------------------------------------


async def cancel(runtime: Runtime, meeting_id: uuid.UUID) -> Meeting:
    """A scheduled meeting becomes cancelled (no reminders; not counted); otherwise 409."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await locked_meeting(conn, meeting_id)
        if row["status"] != "scheduled":
            raise Conflict(
                f"the meeting is {row['status']}; only a scheduled meeting can be cancelled"
            )
        now = utcnow()
        await meetings_store.cancel(conn, meeting_id, now)
        view = meeting_view(await meetings_store.meeting(conn, meeting_id))  # type: ignore[arg-type]
        await outbox.add(
            conn, event(ev.CouncilMeetingCancelled(meeting_id=meeting_id, cancelled_at=now))
        )
    return view


async def members_on_meeting_day(runtime: Runtime, starts_at: datetime) -> list[asyncpg.Record]:
    """The members in office on a meeting's day, by category and name."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await store.members_in_office(conn, meeting_day(starts_at))


async def record_held(runtime: Runtime, meeting_id: uuid.UUID, data: HeldIn) -> HeldView:
    """Record the meeting as held with its attendance, once (a second time: 409, no change).

    An attendee whose member_id is not a member in office on the day is recorded as a guest;
    a member listed twice is 422 naming `attendees[i].member_id`.
    """
    attendees = [
        domain.Attendee(a.name.strip(), (a.organisation or "").strip() or None, a.member_id)
        for a in data.attendees
    ]
    repeated = domain.duplicate_members(attendees)
    if repeated:
        raise field_error(f"attendees[{repeated[0]}].member_id", "this member is already listed")
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await locked_meeting(conn, meeting_id)
        now = utcnow()
        reason = domain.meeting_can_be_recorded_held(row["status"], row["starts_at"], now)
        if reason:
            raise Conflict(reason)
        in_office = {
            m["id"] for m in await store.members_in_office(conn, meeting_day(row["starts_at"]))
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
        await outbox.add(
            conn,
            event(
                ev.CouncilMeetingHeld(
                    meeting_id=meeting_id,
                    starts_at=row["starts_at"],
                    participants=attendance.participants,
                    members_present=len(attendance.members),
                    guests=len(attendance.guests),
                    quorum_reached=quorum,
                )
            ),
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


# --- minutes ----------------------------------------------------------------------------


async def draft_minutes(runtime: Runtime, meeting_id: uuid.UUID, data: MinutesIn) -> Meeting:
    """Write or rewrite the draft minutes of a held meeting; approved minutes are final (409)."""
    if not data.text.strip():
        raise field_error("text", "write the minutes")
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await locked_meeting(conn, meeting_id)
        if row["minutes_approved_at"] is not None:
            raise Conflict("the minutes were approved and cannot change")
        if row["status"] != "held":
            raise Conflict("minutes are written for a meeting recorded as held")
        await meetings_store.save_minutes(conn, meeting_id, data.text.strip(), utcnow())
        return meeting_view(await meetings_store.meeting(conn, meeting_id))  # type: ignore[arg-type]


async def approve_minutes(runtime: Runtime, meeting_id: uuid.UUID, data: ApproveIn) -> Meeting:
    """Record that a later meeting, held with a quorum, approved these minutes; they become public.

    An unknown approving meeting is 404 naming `at_meeting_id`; any other refusal is 409."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await locked_meeting(conn, meeting_id)
        approving = await meetings_store.meeting(conn, data.at_meeting_id)
        if approving is None:
            raise field_error("at_meeting_id", "no such meeting", 404)
        reason = domain.minutes_approval_problem(
            row["status"],
            row["starts_at"],
            bool(row["minutes_text"]),
            row["minutes_approved_at"] is not None,
            approving["status"],
            approving["starts_at"],
            approving["quorum_reached"],
        )
        if reason:
            raise Conflict(reason)
        now = utcnow()
        await meetings_store.approve_minutes(conn, meeting_id, now, data.at_meeting_id)
        view = meeting_view(await meetings_store.meeting(conn, meeting_id))  # type: ignore[arg-type]
        await outbox.add(
            conn,
            event(
                ev.CouncilMinutesApproved(
                    meeting_id=meeting_id,
                    approved_at=now,
                    approved_at_meeting_id=data.at_meeting_id,
                )
            ),
        )
    return view
