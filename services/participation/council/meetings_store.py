"""SQL of the Council's meetings: invitations, agenda, attendance, minutes, resolutions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

Conn = asyncpg.Connection


async def insert_meeting(
    conn: Conn, meeting_id: uuid.UUID, title: str, starts_at: datetime, place: str
) -> None:
    await conn.execute(
        "insert into council_meetings (id, title, starts_at, place) values ($1,$2,$3,$4)",
        meeting_id,
        title,
        starts_at,
        place,
    )


async def meeting(
    conn: Conn, meeting_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        return await conn.fetchrow(
            "select * from council_meetings where id = $1 for update", meeting_id
        )
    return await conn.fetchrow("select * from council_meetings where id = $1", meeting_id)


async def list_meetings(conn: Conn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        "select * from council_meetings order by starts_at limit $1 offset $2", limit, offset
    )
    return rows, await conn.fetchval("select count(*) from council_meetings")


async def list_approved(conn: Conn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    """Meetings whose minutes are approved, newest first."""
    rows = await conn.fetch(
        """select * from council_meetings where minutes_approved_at is not null
           order by starts_at desc limit $1 offset $2""",
        limit,
        offset,
    )
    return rows, await conn.fetchval(
        "select count(*) from council_meetings where minutes_approved_at is not null"
    )


async def cancel(conn: Conn, meeting_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "update council_meetings set status = 'cancelled', cancelled_at = $2 where id = $1",
        meeting_id,
        at,
    )


# --- invitations ------------------------------------------------------------------------


async def insert_invitation(
    conn: Conn, meeting_id: uuid.UUID, member_id: uuid.UUID, token_hash: str
) -> None:
    await conn.execute(
        "insert into council_invitations (meeting_id, member_id, token_hash) values ($1,$2,$3)",
        meeting_id,
        member_id,
        token_hash,
    )


async def invitation_by_token(conn: Conn, token_hash: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select i.*, m.status as meeting_status, m.starts_at, m.title, m.place, p.name as member_name,
                  p.left_on
           from council_invitations i
           join council_meetings m on m.id = i.meeting_id
           join council_members p on p.id = i.member_id
           where i.token_hash = $1""",
        token_hash,
    )


async def set_rsvp(
    conn: Conn, meeting_id: uuid.UUID, member_id: uuid.UUID, response: str, at: datetime
) -> None:
    await conn.execute(
        "update council_invitations set response = $3, responded_at = $4 where meeting_id = $1 and member_id = $2",
        meeting_id,
        member_id,
        response,
        at,
    )


async def rsvps(conn: Conn, meeting_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select i.member_id, p.name, i.response from council_invitations i
           join council_members p on p.id = i.member_id where i.meeting_id = $1 order by p.name""",
        meeting_id,
    )


async def reminders_due(conn: Conn, now: datetime, horizon: datetime) -> list[asyncpg.Record]:
    """Invitations to scheduled meetings starting before `horizon`, not yet reminded, not declined.

    Locked (skip locked) so two workers never remind the same member twice.
    """
    return await conn.fetch(
        """select i.meeting_id, i.member_id, m.title, m.starts_at, m.place, p.name, p.email, p.language
           from council_invitations i
           join council_meetings m on m.id = i.meeting_id
           join council_members p on p.id = i.member_id
           where m.status = 'scheduled' and m.starts_at > $1 and m.starts_at <= $2
             and i.reminded_at is null and coalesce(i.response, '') <> 'no'
             and p.left_on is null and p.email is not null
           order by m.starts_at limit 200
           for update of i skip locked""",
        now,
        horizon,
    )


async def mark_reminded(
    conn: Conn, meeting_id: uuid.UUID, member_id: uuid.UUID, at: datetime
) -> None:
    await conn.execute(
        "update council_invitations set reminded_at = $3 where meeting_id = $1 and member_id = $2",
        meeting_id,
        member_id,
        at,
    )


# --- agenda -----------------------------------------------------------------------------


async def insert_agenda_item(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into council_agenda_items (id, meeting_id, title, description, proposed_by_member, status)
           values ($1,$2,$3,$4,$5,$6)""",
        f["id"],
        f["meeting_id"],
        f["title"],
        f["description"],
        f["proposed_by_member"],
        f["status"],
    )


async def agenda_item(conn: Conn, item_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from council_agenda_items where id = $1 for update", item_id
    )


async def set_agenda_status(conn: Conn, item_id: uuid.UUID, status: str) -> None:
    await conn.execute("update council_agenda_items set status = $2 where id = $1", item_id, status)


async def agenda(conn: Conn, meeting_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from council_agenda_items where meeting_id = $1 order by created_at", meeting_id
    )


# --- held, attendance -------------------------------------------------------------------


async def record_held(conn: Conn, meeting_id: uuid.UUID, **f: Any) -> None:
    await conn.execute(
        """update council_meetings set status = 'held', held_recorded_at = $2, members_in_office = $3,
               members_present = $4, guests = $5, quorum_reached = $6 where id = $1""",
        meeting_id,
        f["at"],
        f["members_in_office"],
        f["members_present"],
        f["guests"],
        f["quorum_reached"],
    )


async def insert_attendance(
    conn: Conn, meeting_id: uuid.UUID, rows: list[tuple[str, str | None, uuid.UUID | None]]
) -> None:
    await conn.executemany(
        "insert into council_attendance (meeting_id, position, name, organisation, member_id) values ($1,$2,$3,$4,$5)",
        [(meeting_id, i, name, org, member) for i, (name, org, member) in enumerate(rows)],
    )


async def attendance(conn: Conn, meeting_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select name, organisation, member_id from council_attendance where meeting_id = $1 order by position",
        meeting_id,
    )


# --- minutes, resolutions ---------------------------------------------------------------


async def save_minutes(conn: Conn, meeting_id: uuid.UUID, text: str, at: datetime) -> None:
    await conn.execute(
        "update council_meetings set minutes_text = $2, minutes_updated_at = $3 where id = $1",
        meeting_id,
        text,
        at,
    )


async def approve_minutes(
    conn: Conn, meeting_id: uuid.UUID, at: datetime, at_meeting: uuid.UUID
) -> None:
    await conn.execute(
        "update council_meetings set minutes_approved_at = $2, minutes_approved_at_meeting = $3 where id = $1",
        meeting_id,
        at,
        at_meeting,
    )


async def next_resolution_seq(conn: Conn, year: int) -> int:
    await conn.execute("select pg_advisory_xact_lock(hashtext('council_resolution_seq'), $1)", year)
    return await conn.fetchval(
        "select count(*) + 1 from council_resolutions where number like $1", f"%/{year}"
    )


async def insert_resolution(conn: Conn, **f: Any) -> asyncpg.Record:
    return await conn.fetchrow(
        """insert into council_resolutions (id, meeting_id, number, kind, title, text, votes_for,
               votes_against, votes_abstaining, adopted, voted_at)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) returning *""",
        f["id"],
        f["meeting_id"],
        f["number"],
        f["kind"],
        f["title"],
        f["text"],
        f["votes_for"],
        f["votes_against"],
        f["votes_abstaining"],
        f["adopted"],
        f["voted_at"],
    )


async def resolutions(conn: Conn, meeting_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from council_resolutions where meeting_id = $1 order by voted_at", meeting_id
    )


# --- a member's own view (signed in) -----------------------------------------------------


async def invitation_for_member(
    conn: Conn, subject: str, meeting_id: uuid.UUID
) -> asyncpg.Record | None:
    """The invitation of the person `subject` (a member row of theirs) to a meeting."""
    return await conn.fetchrow(
        """select i.*, m.status as meeting_status, m.starts_at, m.title, m.place, p.name as member_name,
                  p.left_on
           from council_invitations i
           join council_meetings m on m.id = i.meeting_id
           join council_members p on p.id = i.member_id
           where p.subject = $1 and i.meeting_id = $2
           order by p.left_on is not null limit 1""",
        subject,
        meeting_id,
    )


async def member_upcoming(conn: Conn, subject: str, now: datetime) -> list[asyncpg.Record]:
    """Scheduled meetings not yet started to which the person is invited, soonest first."""
    return await conn.fetch(
        """select i.meeting_id, i.member_id, i.response, m.title, m.starts_at, m.place
           from council_invitations i
           join council_meetings m on m.id = i.meeting_id
           join council_members p on p.id = i.member_id
           where p.subject = $1 and p.left_on is null and m.status = 'scheduled' and m.starts_at > $2
           order by m.starts_at""",
        subject,
        now,
    )


async def proposals_by_subject(conn: Conn, subject: str) -> list[asyncpg.Record]:
    """The agenda items a person proposed, newest first, with their meeting."""
    return await conn.fetch(
        """select a.*, m.title as meeting_title, m.starts_at from council_agenda_items a
           join council_members p on p.id = a.proposed_by_member
           join council_meetings m on m.id = a.meeting_id
           where p.subject = $1 order by a.created_at desc limit 50""",
        subject,
    )


# --- open work (counts for the home page) ------------------------------------------------


async def secretariat_work(conn: Conn, now: datetime) -> asyncpg.Record:
    """What the secretariat has to do now, counted."""
    return await conn.fetchrow(
        """select
             (select count(*) from council_meetings m where m.status = 'scheduled' and m.starts_at > $1
                and not exists (select 1 from council_agenda_items a
                                where a.meeting_id = m.id and a.status = 'accepted')) as to_prepare,
             (select min(m.id::text) from council_meetings m where m.status = 'scheduled' and m.starts_at > $1
                and m.starts_at = (select min(starts_at) from council_meetings
                                   where status = 'scheduled' and starts_at > $1)) as next_meeting,
             (select count(*) from council_meetings where status = 'held' and minutes_text is null)
               as minutes_to_draft,
             (select count(*) from council_meetings where status = 'held' and minutes_text is not null
                and minutes_approved_at is null) as minutes_to_approve,
             (select count(*) from council_applications where status = 'received') as applications,
             (select count(*) from council_agenda_items a join council_meetings m on m.id = a.meeting_id
                where a.status = 'proposed' and m.status = 'scheduled') as proposals""",
        now,
    )


async def member_work(conn: Conn, subject: str, now: datetime) -> asyncpg.Record:
    """What a member has to do now: invitations not answered, and their next meeting."""
    return await conn.fetchrow(
        """select
             count(*) filter (where i.response is null) as unanswered,
             count(*) as upcoming
           from council_invitations i
           join council_meetings m on m.id = i.meeting_id
           join council_members p on p.id = i.member_id
           where p.subject = $1 and p.left_on is null and m.status = 'scheduled' and m.starts_at > $2""",
        subject,
        now,
    )
