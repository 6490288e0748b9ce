"""SQL of the incidents schema (asyncpg; the pool's search_path is the schema)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time

import asyncpg


async def next_number(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("select nextval('report_numbers')"))


async def insert_report(
    conn: asyncpg.Connection,
    *,
    id: uuid.UUID,
    reference: str,
    what: str,
    place: str,
    district: str | None,
    occurred_on: date,
    occurred_time: time | None,
    category: str,
    reported_to_police: str,
    email: str | None,
    language: str,
    channel: str,
    reported_at: datetime,
) -> None:
    await conn.execute(
        """insert into reports (id, reference, what, place, district, occurred_on, occurred_time,
                                category, reported_to_police, email, language, channel,
                                reported_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        id,
        reference,
        what,
        place,
        district,
        occurred_on,
        occurred_time,
        category,
        reported_to_police,
        email,
        language,
        channel,
        reported_at,
    )


async def add_step(
    conn: asyncpg.Connection,
    report_id: uuid.UUID,
    step: str,
    actor: str,
    at: datetime,
    detail: dict[str, str] | None = None,
    note: str | None = None,
) -> None:
    await conn.execute(
        "insert into report_steps (report_id, step, actor, detail, note, at) "
        "values ($1, $2, $3, $4::jsonb, $5, $6)",
        report_id,
        step,
        actor,
        json.dumps(detail or {}),
        note,
        at,
    )


async def report(
    conn: asyncpg.Connection, report_id: uuid.UUID, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        return await conn.fetchrow("select * from reports where id = $1 for update", report_id)
    return await conn.fetchrow("select * from reports where id = $1", report_id)


async def steps(conn: asyncpg.Connection, report_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from report_steps where report_id = $1 order by id", report_id
    )


async def set_triaged(
    conn: asyncpg.Connection, report_id: uuid.UUID, category: str, severity: str, at: datetime
) -> None:
    await conn.execute(
        """update reports set status = 'triaged', confirmed_category = $2, severity = $3,
                  triaged_at = $4 where id = $1""",
        report_id,
        category,
        severity,
        at,
    )


async def set_referred(
    conn: asyncpg.Connection, report_id: uuid.UUID, to: str, note: str, at: datetime
) -> None:
    await conn.execute(
        """update reports set status = 'referred', referred_to = $2, referral_note = $3,
                  referred_at = $4 where id = $1""",
        report_id,
        to,
        note,
        at,
    )


async def reports(
    conn: asyncpg.Connection,
    *,
    status: str | None,
    category: str | None,
    district: str | None,
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    args = (status, category, district)
    total = int(
        await conn.fetchval(
            """select count(*) from reports
           where ($1::text is null or status = $1)
             and ($2::text is null or coalesce(confirmed_category, category) = $2)
             and ($3::text is null or coalesce(district, 'unknown') = $3)""",
            *args,
        )
    )
    rows = await conn.fetch(
        """select * from reports
           where ($1::text is null or status = $1)
             and ($2::text is null or coalesce(confirmed_category, category) = $2)
             and ($3::text is null or coalesce(district, 'unknown') = $3)
           order by reported_at desc, reference desc limit $4 offset $5""",
        *args,
        limit,
        offset,
    )
    return rows, total


async def waiting(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Reports waiting for triage, oldest first."""
    return await conn.fetch(
        "select id, reported_at from reports where status = 'received' order by reported_at"
    )


async def members(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from team_members where removed_at is null order by name, added_at"
    )


async def member_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from team_members where email = $1 and removed_at is null", email
    )


async def member(conn: asyncpg.Connection, member_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from team_members where id = $1 and removed_at is null", member_id
    )


async def insert_member(
    conn: asyncpg.Connection,
    *,
    id: uuid.UUID,
    subject: str,
    name: str,
    email: str,
    language: str,
    added_by: str,
) -> asyncpg.Record | None:
    """The new member; None when the address is on the team already (a removed one returns)."""
    return await conn.fetchrow(
        """insert into team_members (id, subject, name, email, language, added_by)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (email) do update
             set name = excluded.name, language = excluded.language, removed_at = null,
                 added_by = excluded.added_by, added_at = now()
             where team_members.removed_at is not null
           returning *""",
        id,
        subject,
        name,
        email,
        language,
        added_by,
    )


async def remove_member(conn: asyncpg.Connection, member_id: uuid.UUID) -> bool:
    done = await conn.execute(
        "update team_members set removed_at = now() where id = $1 and removed_at is null",
        member_id,
    )
    return done.endswith(" 1")
