# ruff: noqa: S608 - the column lists spliced into SQL here are constants of this module, never input
"""The Council's public record, as the public pages and the open data read it (issue 14).

What anyone may see: the next meetings (date, place, the agenda items the secretariat accepted
— never who proposed one), a meeting's page (its agenda; once held, the counts of who came; its
minutes once approved; its resolutions), every resolution, and the datasets
`council-resolutions` and `council-attendance`. Never: e-mail addresses, invitation replies,
attendance names (members' or guests'), members' proposals not accepted, draft minutes,
agenda item descriptions (a member's proposal text is personal data, docs/personal-data.md).
Texts come with their translations (`*_i18n`), shown by the kit's `content` macros.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.participation.council import domain
from shared.events import utcnow
from shared.runtime import Runtime

SCHEMA = "participation"

MEETING_COLUMNS = """m.id, m.title, m.title_i18n, m.starts_at, m.place, m.place_i18n, m.status,
    m.members_present, m.guests, m.quorum_reached, m.minutes_approved_at,
    case when m.minutes_approved_at is not null then m.minutes_text end as minutes_text"""

RESOLUTION_COLUMNS = """r.id, r.meeting_id, r.number, r.kind, r.title, r.title_i18n, r.text,
    r.text_i18n, r.votes_for, r.votes_against, r.votes_abstaining, r.adopted, r.voted_at"""


async def _agendas(conn: asyncpg.Connection, meeting_ids: list[uuid.UUID]) -> dict[Any, list]:
    """The accepted agenda items of each meeting (title and its translations only)."""
    rows = await conn.fetch(
        """select meeting_id, id, title, title_i18n from council_agenda_items
           where meeting_id = any($1::uuid[]) and status = 'accepted'
           order by created_at, id""",
        meeting_ids,
    )
    found: dict[Any, list] = {m: [] for m in meeting_ids}
    for r in rows:
        found[r["meeting_id"]].append(dict(r))
    return found


async def next_meetings(runtime: Runtime, limit: int = 6) -> list[dict[str, Any]]:
    """Scheduled meetings from now on, soonest first, each with its accepted agenda."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await conn.fetch(
            f"""select {MEETING_COLUMNS} from council_meetings m
                where m.status = 'scheduled' and m.starts_at >= $1
                order by m.starts_at limit $2""",
            utcnow(),
            limit,
        )
        meetings = [dict(r) for r in rows]
        agendas = await _agendas(conn, [m["id"] for m in meetings])
    for m in meetings:
        m["agenda"] = agendas[m["id"]]
    return meetings


async def past_meetings(runtime: Runtime, limit: int = 12) -> list[dict[str, Any]]:
    """Meetings held, newest first (their pages hold the approved minutes and resolutions)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await conn.fetch(
            f"""select {MEETING_COLUMNS},
                       (select count(*) from council_resolutions r where r.meeting_id = m.id)
                         as resolutions
                from council_meetings m where m.status = 'held'
                order by m.starts_at desc limit $1""",
            limit,
        )
    return [dict(r) for r in rows]


async def _whole(conn: asyncpg.Connection, row: asyncpg.Record) -> dict[str, Any]:
    found = dict(row)
    found["agenda"] = (await _agendas(conn, [row["id"]]))[row["id"]]
    found["resolutions"] = [
        dict(r)
        for r in await conn.fetch(
            f"""select {RESOLUTION_COLUMNS} from council_resolutions r
                where r.meeting_id = $1 order by r.voted_at, r.number""",
            row["id"],
        )
    ]
    found["upcoming"] = not domain.meeting_is_past(found["status"], found["starts_at"], utcnow())
    return found


async def meeting(runtime: Runtime, meeting_id: uuid.UUID) -> dict[str, Any] | None:
    """One meeting as the public sees it: agenda, counts once held, approved minutes only,
    resolutions; None when there is no such meeting."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await conn.fetchrow(
            f"select {MEETING_COLUMNS} from council_meetings m where m.id = $1", meeting_id
        )
        return None if row is None else await _whole(conn, row)


async def approved_minutes(runtime: Runtime, limit: int) -> list[dict[str, Any]]:
    """Meetings whose minutes are approved, newest first, each whole (`meeting`)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await conn.fetch(
            f"""select {MEETING_COLUMNS} from council_meetings m
                where m.minutes_approved_at is not null order by m.starts_at desc limit $1""",
            limit,
        )
        return [await _whole(conn, r) for r in rows]


async def resolutions(
    runtime: Runtime, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Every resolution and recommendation voted, newest first, with its meeting."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await conn.fetch(
            f"""select {RESOLUTION_COLUMNS}, m.starts_at, m.title as meeting_title,
                       m.title_i18n as meeting_title_i18n
                from council_resolutions r join council_meetings m on m.id = r.meeting_id
                order by r.voted_at desc, r.number desc limit $1 offset $2""",
            limit,
            offset,
        )
        total = await conn.fetchval("select count(*) from council_resolutions")
    return [dict(r) for r in rows], total


# --- open data --------------------------------------------------------------------------


def _warsaw_day(moment: datetime) -> Any:
    return moment.astimezone(domain.WARSAW).date()


async def resolution_rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """`council-resolutions`: every resolution voted, oldest first."""
    rows = await conn.fetch(
        """select r.number, r.kind, r.title, r.text, r.votes_for, r.votes_against,
                  r.votes_abstaining, r.adopted, r.voted_at, r.meeting_id, m.starts_at
           from council_resolutions r join council_meetings m on m.id = r.meeting_id
           order by r.voted_at, r.number"""
    )
    return [
        {
            "number": r["number"],
            "meeting_id": str(r["meeting_id"]),
            "meeting_date": _warsaw_day(r["starts_at"]),
            "kind": r["kind"],
            "title": r["title"],
            "text": r["text"],
            "votes_for": r["votes_for"],
            "votes_against": r["votes_against"],
            "votes_abstaining": r["votes_abstaining"],
            "adopted": r["adopted"],
            "voted_at": r["voted_at"],
        }
        for r in rows
    ]


async def attendance_rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """`council-attendance`: per meeting held, counts only (members present by seat, guests)."""
    rows = await conn.fetch(
        """select m.id, m.starts_at, m.members_in_office, m.members_present, m.guests,
                  m.quorum_reached,
                  count(p.id) filter (where p.category = 'association') as association,
                  count(p.id) filter (where p.category = 'resident') as resident,
                  count(p.id) filter (where p.category = 'city') as city
           from council_meetings m
           left join council_attendance a on a.meeting_id = m.id and a.member_id is not null
           left join council_members p on p.id = a.member_id
           where m.status = 'held'
           group by m.id order by m.starts_at"""
    )
    return [
        {
            "meeting_id": str(r["id"]),
            "meeting_date": _warsaw_day(r["starts_at"]),
            "members_in_office": r["members_in_office"],
            "members_present": r["members_present"],
            "members_present_association": r["association"],
            "members_present_resident": r["resident"],
            "members_present_city": r["city"],
            "guests": r["guests"],
            "participants": (r["members_present"] or 0) + (r["guests"] or 0),
            "quorum_reached": r["quorum_reached"],
        }
        for r in rows
    ]
