"""What the Council's API and pages read: calls, applications, members, meetings, minutes.

Reads only: nothing here changes a row. A missing object is a refusal (`shared.refusals`), said
by the edge that asked (problem details on the API, a page otherwise).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from services.participation.council import domain, meetings_store, store
from services.participation.council.schemas import (
    AgendaItem,
    ApplicationView,
    AttendeeView,
    Call,
    Meeting,
    MeetingDetail,
    Member,
    MemberPublic,
    Resolution,
    Rsvp,
    Secretary,
    SettingsView,
)
from shared.events import utcnow
from shared.refusals import forbidden, not_found
from shared.runtime import Runtime

SCHEMA = "participation"


def today() -> date:
    """Today in Kraków: who is in office is decided by the Warsaw day."""
    return utcnow().astimezone(domain.WARSAW).date()


def meeting_day(starts_at: datetime) -> date:
    """The Warsaw day of a meeting: who is in office that day is invited and counted."""
    return starts_at.astimezone(domain.WARSAW).date()


# --- settings ---------------------------------------------------------------------------


async def settings_view(conn: asyncpg.Connection) -> SettingsView:
    """The quorum rule and what it requires today (API and secretariat pages)."""
    row = await store.settings_row(conn)
    rule = domain.QuorumRule(row["quorum_percent"], row["quorum_minimum"])
    in_office = await store.count_in_office(conn, today())
    return SettingsView(
        quorum_percent=rule.percent,
        quorum_minimum=rule.minimum,
        members_in_office=in_office,
        quorum_required=rule.required(in_office),
    )


async def settings(runtime: Runtime) -> SettingsView:
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await settings_view(conn)


# --- calls and applications -------------------------------------------------------------


async def call_view(conn: asyncpg.Connection, row: Any) -> Call:
    return Call(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        term_start=row["term_start"],
        term_end=row["term_end"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        seats=row["seats"],
        seats_taken=await store.seats_taken(conn, row["id"]),
        accepting_applications=domain.call_accepts_applications(
            row["opens_at"], row["closes_at"], utcnow()
        )
        is None,
    )


async def calls(runtime: Runtime, limit: int, offset: int) -> tuple[list[Call], int]:
    """Every call for members, newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_calls(conn, limit, offset)
        return [await call_view(conn, r) for r in rows], total


async def call_row(runtime: Runtime, call_id: uuid.UUID) -> dict[str, Any]:
    """The stored call (the application pages show it); refused when there is none."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.call(conn, call_id)
    if row is None:
        raise not_found("council.call.not_found", call_id=call_id)
    return row


async def call(runtime: Runtime, call_id: uuid.UUID) -> Call:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.call(conn, call_id)
        if row is None:
            raise not_found("council.call.not_found", call_id=call_id)
        return await call_view(conn, row)


async def open_calls(runtime: Runtime) -> list[dict[str, Any]]:
    """The calls taking applications now (of the latest 20)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 20, 0)
    now = utcnow()
    return [
        c
        for c in rows
        if domain.call_accepts_applications(c["opens_at"], c["closes_at"], now) is None
    ]


async def applications(
    runtime: Runtime, call_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[ApplicationView], int]:
    """The call's applications, oldest first, with the applicants' details."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_applications(conn, call_id, limit, offset)
    return [
        ApplicationView(**{f: r[f] for f in ApplicationView.__struct_fields__}) for r in rows
    ], total


# --- members ----------------------------------------------------------------------------


def member_view(row: Any) -> Member:
    return Member(**{f: row[f] for f in Member.__struct_fields__})


def member_public(row: Any) -> MemberPublic:
    return MemberPublic(**{f: row[f] for f in MemberPublic.__struct_fields__})


async def members(
    runtime: Runtime, include_former: bool, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """Members in office today (and former ones on request), as stored rows."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await store.list_members(conn, today(), include_former, limit, offset)


async def members_on_meeting_day(runtime: Runtime, starts_at: datetime) -> list[asyncpg.Record]:
    """The members in office on a meeting's day, by category and name."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await store.members_in_office(conn, meeting_day(starts_at))


# --- meetings ---------------------------------------------------------------------------


def minutes_status(row: Any) -> str:
    if row["minutes_approved_at"] is not None:
        return "approved"
    return "draft" if row["minutes_text"] else "none"


def meeting_view(row: Any) -> Meeting:
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


def resolution_view(row: Any) -> Resolution:
    return Resolution(**{f: row[f] for f in Resolution.__struct_fields__})


async def meeting_detail(conn: asyncpg.Connection, row: Any, *, public: bool) -> MeetingDetail:
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


async def meetings(runtime: Runtime, limit: int, offset: int) -> tuple[list[Meeting], int]:
    """Every meeting in date order."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await meetings_store.list_meetings(conn, limit, offset)
    return [meeting_view(r) for r in rows], total


async def detail(runtime: Runtime, meeting_id: uuid.UUID) -> MeetingDetail:
    """A meeting with agenda, RSVPs, attendance, minutes and resolutions (the secretariat's)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await meetings_store.meeting(conn, meeting_id)
        if row is None:
            raise not_found("council.meeting.not_found", meeting_id=meeting_id)
        return await meeting_detail(conn, row, public=False)


async def approving_meetings(runtime: Runtime, starts_at: datetime) -> list[asyncpg.Record]:
    """Later meetings held with a quorum: those that may approve minutes of a meeting."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await meetings_store.list_meetings(conn, 1000, 0)
    return [
        r
        for r in rows
        if r["status"] == "held" and r["quorum_reached"] and r["starts_at"] > starts_at
    ]


# --- the public record ------------------------------------------------------------------


async def approved_minutes(
    runtime: Runtime, limit: int, offset: int
) -> tuple[list[MeetingDetail], int]:
    """Meetings with approved minutes, newest first, with their resolutions."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await meetings_store.list_approved(conn, limit, offset)
        return [await meeting_detail(conn, r, public=True) for r in rows], total


async def meeting_minutes(runtime: Runtime, meeting_id: uuid.UUID) -> MeetingDetail:
    """One meeting's approved minutes and resolutions; refused until approved."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await meetings_store.meeting(conn, meeting_id)
        if row is None or row["minutes_approved_at"] is None:
            raise not_found("council.minutes.not_public")
        return await meeting_detail(conn, row, public=True)


# --- a member's invitation --------------------------------------------------------------


@dataclass(frozen=True)
class MemberAt:
    """A signed-in member (their subject) at one meeting: the other way to name an invitation
    than its token (the member's own page `/council/my`)."""

    subject: str
    meeting_id: uuid.UUID


Invited = str | MemberAt
"""Whose invitation: the token of the invitation e-mail, or a signed-in member at a meeting."""


async def invitation(conn: asyncpg.Connection, who: Invited) -> asyncpg.Record:
    """The invitation a token (or a signed-in member at a meeting) opens; refused (403) for an
    unknown token, a meeting the person is not invited to, or a member who left."""
    if isinstance(who, MemberAt):
        row = await meetings_store.invitation_for_member(conn, who.subject, who.meeting_id)
    else:
        row = await meetings_store.invitation_by_token(conn, domain.hash_token(who))
    if row is None or row["left_on"] is not None:
        raise forbidden("council.invitation.invalid")
    return row


async def invitation_page(runtime: Runtime, token: str) -> dict[str, Any]:
    """The invitation, and the agenda items not declined, for the member's page."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        inv = await invitation(conn, token)
        agenda = [
            a
            for a in await meetings_store.agenda(conn, inv["meeting_id"])
            if a["status"] != "declined"
        ]
    return {"inv": inv, "agenda": agenda}


# --- the secretariat's people -----------------------------------------------------------


def secretary_view(row: Any) -> Secretary:
    return Secretary(**{f: row[f] for f in Secretary.__struct_fields__})


async def secretaries(runtime: Runtime) -> list[Secretary]:
    """The council secretaries the coordinator registered, by name."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return [secretary_view(r) for r in await store.secretaries(conn)]


async def application_row(runtime: Runtime, application_id: uuid.UUID) -> dict[str, Any]:
    """One application with its call (the secretariat reads it before appointing)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.application(conn, application_id)
        if row is None:
            raise not_found("council.application.not_found")
        call_row = await store.call(conn, row["call_id"])
    return {**dict(row), "call": call_row}


async def member_row(runtime: Runtime, member_id: uuid.UUID) -> asyncpg.Record:
    """One member of the register (current or former)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.member(conn, member_id)
    if row is None:
        raise not_found("council.member.not_found", member_id=member_id)
    return row


async def application_counts(runtime: Runtime) -> dict[uuid.UUID, dict[str, int]]:
    """Per call: applications received and of them not yet considered (status received)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.application_counts(conn)
    return {r["call_id"]: {"total": r["total"], "open": r["open"]} for r in rows}


# --- a member's own page ----------------------------------------------------------------


async def member_home(runtime: Runtime, subject: str) -> dict[str, Any]:
    """What a signed-in member sees: their seat, upcoming meetings with the agenda (items not
    declined) and their reply, the proposals they made, and the approved minutes."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.members_by_subject(conn, subject)
        upcoming = []
        for inv in await meetings_store.member_upcoming(conn, subject, utcnow()):
            agenda = [
                a
                for a in await meetings_store.agenda(conn, inv["meeting_id"])
                if a["status"] != "declined"
            ]
            upcoming.append({"inv": inv, "agenda": agenda})
        proposals = await meetings_store.proposals_by_subject(conn, subject)
        approved_rows, _ = await meetings_store.list_approved(conn, 20, 0)
        approved = [await meeting_detail(conn, r, public=True) for r in approved_rows]
    current = [r for r in rows if r["left_on"] is None and r["term_end"] >= today()]
    return {
        "member": current[0] if current else None,
        "upcoming": upcoming,
        "proposals": proposals,
        "approved": approved,
    }
