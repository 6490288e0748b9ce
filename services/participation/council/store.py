"""SQL of the Council's membership side: settings, open calls, applications, members."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import asyncpg

Conn = asyncpg.Connection


async def settings_row(conn: Conn) -> asyncpg.Record:
    return await conn.fetchrow("select quorum_percent, quorum_minimum from council_settings")


async def update_settings(conn: Conn, percent: int, minimum: int) -> None:
    await conn.execute(
        "update council_settings set quorum_percent=$1, quorum_minimum=$2, updated_at=now()",
        percent,
        minimum,
    )


# --- calls ------------------------------------------------------------------------------


async def insert_call(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into council_calls (id, title, description, term_start, term_end, opens_at, closes_at, seats)
           values ($1,$2,$3,$4,$5,$6,$7,$8)""",
        f["id"],
        f["title"],
        f["description"],
        f["term_start"],
        f["term_end"],
        f["opens_at"],
        f["closes_at"],
        json.dumps(f["seats"]),
    )


async def call(conn: Conn, call_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow("select * from council_calls where id = $1", call_id)
    return _call(row) if row else None


def _call(row: asyncpg.Record) -> dict[str, Any]:
    data = dict(row)
    data["seats"] = json.loads(data["seats"])
    return data


async def list_calls(conn: Conn, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    rows = await conn.fetch(
        "select * from council_calls order by opens_at desc limit $1 offset $2", limit, offset
    )
    return [_call(r) for r in rows], await conn.fetchval("select count(*) from council_calls")


async def seats_taken(conn: Conn, call_id: uuid.UUID) -> dict[str, int]:
    """Members in office appointed under the call, per category."""
    rows = await conn.fetch(
        "select category, count(*) as n from council_members where call_id = $1 and left_on is null group by category",
        call_id,
    )
    return {r["category"]: r["n"] for r in rows}


# --- applications -----------------------------------------------------------------------


async def next_application_seq(conn: Conn, year: int) -> int:
    await conn.execute(
        "select pg_advisory_xact_lock(hashtext('council_application_seq'), $1)", year
    )
    prefix = f"RRT-{year}-%"
    return await conn.fetchval(
        "select count(*) + 1 from council_applications where reference like $1", prefix
    )


async def insert_application(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into council_applications (id, call_id, reference, applicant_kind, category, name,
               organisation, email, language, motivation, consent, received_at)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
        f["id"],
        f["call_id"],
        f["reference"],
        f["applicant_kind"],
        f["category"],
        f["name"],
        f["organisation"],
        f["email"],
        f["language"],
        f["motivation"],
        f["consent"],
        f["received_at"],
    )


async def list_applications(
    conn: Conn, call_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        "select * from council_applications where call_id = $1 order by received_at limit $2 offset $3",
        call_id,
        limit,
        offset,
    )
    return rows, await conn.fetchval(
        "select count(*) from council_applications where call_id = $1", call_id
    )


async def application_counts(conn: Conn) -> list[asyncpg.Record]:
    """Per call: applications received, and of them still `received` (not yet appointed)."""
    return await conn.fetch(
        """select call_id, count(*) as total, count(*) filter (where status = 'received') as open
           from council_applications group by call_id"""
    )


async def application_for_update(conn: Conn, application_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from council_applications where id = $1 for update", application_id
    )


async def mark_application_appointed(conn: Conn, application_id: uuid.UUID) -> None:
    await conn.execute(
        "update council_applications set status = 'appointed' where id = $1", application_id
    )


# --- members ----------------------------------------------------------------------------


async def lock_membership(conn: Conn) -> None:
    """Serialise appointments and departures, so seat counts cannot be overtaken."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('council_membership'))")


async def insert_member(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into council_members (id, call_id, application_id, name, organisation, email, language,
               category, term_start, term_end, replaces, subject)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)""",
        f["id"],
        f["call_id"],
        f["application_id"],
        f["name"],
        f["organisation"],
        f["email"],
        f["language"],
        f["category"],
        f["term_start"],
        f["term_end"],
        f["replaces"],
        f["subject"],
    )


async def member(
    conn: Conn, member_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        return await conn.fetchrow(
            "select * from council_members where id = $1 for update", member_id
        )
    return await conn.fetchrow("select * from council_members where id = $1", member_id)


async def record_departure(conn: Conn, member_id: uuid.UUID, left_on: date, reason: str) -> None:
    await conn.execute(
        "update council_members set left_on = $2, left_reason = $3 where id = $1",
        member_id,
        left_on,
        reason,
    )


async def members_in_office(conn: Conn, on: date) -> list[asyncpg.Record]:
    """Members serving on `on`: appointed for a term covering it, not departed."""
    return await conn.fetch(
        """select * from council_members
           where left_on is null and term_start <= $1 and term_end >= $1 order by category, name""",
        on,
    )


async def count_in_office(conn: Conn, on: date) -> int:
    return await conn.fetchval(
        "select count(*) from council_members where left_on is null and term_start <= $1 and term_end >= $1",
        on,
    )


async def list_members(
    conn: Conn, on: date, include_former: bool, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """Members in office on `on` (or every member ever appointed), by category and name."""
    if include_former:
        rows = await conn.fetch(
            "select * from council_members order by left_on is not null, category, name limit $1 offset $2",
            limit,
            offset,
        )
        return rows, await conn.fetchval("select count(*) from council_members")
    rows = await conn.fetch(
        """select * from council_members where left_on is null and term_start <= $1 and term_end >= $1
           order by category, name limit $2 offset $3""",
        on,
        limit,
        offset,
    )
    return rows, await count_in_office(conn, on)


async def application(conn: Conn, application_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from council_applications where id = $1", application_id)


# --- people: subjects, secretaries, a member's own rows ---------------------------------


async def subject_for_email(conn: Conn, email: str) -> str | None:
    """The subject this service already gave the address (a member's or a secretary's)."""
    return await conn.fetchval(
        """select subject from (
               select subject, appointed_at as since from council_members where lower(email) = $1
               union all
               select subject, added_at from council_secretaries where email = $1
           ) known order by since limit 1""",
        email,
    )


async def members_by_email(conn: Conn, email: str, on: date) -> list[asyncpg.Record]:
    """The address's member rows in office on `on` (or appointed for a term still to come)."""
    return await conn.fetch(
        """select * from council_members
           where lower(email) = $1 and left_on is null and term_end >= $2 order by term_start""",
        email,
        on,
    )


async def members_by_subject(conn: Conn, subject: str) -> list[asyncpg.Record]:
    """Every member row of a person (their terms), current first."""
    return await conn.fetch(
        "select * from council_members where subject = $1 order by left_on is not null, term_end desc",
        subject,
    )


async def insert_secretary(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into council_secretaries (id, subject, name, email, language)
           values ($1,$2,$3,$4,$5)""",
        f["id"],
        f["subject"],
        f["name"],
        f["email"],
        f["language"],
    )


async def secretary(conn: Conn, secretary_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from council_secretaries where id = $1", secretary_id)


async def secretary_by_email(conn: Conn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from council_secretaries where email = $1", email)


async def secretaries(conn: Conn) -> list[asyncpg.Record]:
    return await conn.fetch("select * from council_secretaries order by name, email")


async def delete_secretary(conn: Conn, secretary_id: uuid.UUID) -> None:
    await conn.execute("delete from council_secretaries where id = $1", secretary_id)
