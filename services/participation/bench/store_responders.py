"""SQL of the responders' registry (migration 007) and of what the people hooks count."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


async def insert(conn: asyncpg.Connection, **f: Any) -> asyncpg.Record:
    return await conn.fetchrow(
        """insert into bench_responders (id, subject, name, email, department, language, created_by)
           values ($1,$2,$3,$4,$5,$6,$7) returning *""",
        uuid.uuid4(),
        f["subject"],
        f["name"],
        f["email"],
        f["department"],
        f["language"],
        f["created_by"],
    )


async def lock_address(conn: asyncpg.Connection, email: str) -> None:
    """Two coordinators adding one address at once: the second waits and then sees the first."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtext('bench_responder'), hashtext($1))", email
    )


async def active_by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from bench_responders where email = $1 and active", email)


async def subject_for(conn: asyncpg.Connection, email: str) -> str | None:
    """The subject already stored for an address: a responder's (newest first), else the one a
    question was assigned to with that address."""
    found = await conn.fetchval(
        "select subject from bench_responders where email = $1 order by created_at desc limit 1",
        email,
    )
    if found is not None:
        return found
    return await conn.fetchval(
        """select assigned_to from bench_questions
           where lower(responder_email) = $1 and assigned_to is not null
           order by assigned_at desc nulls last limit 1""",
        email,
    )


async def get(
    conn: asyncpg.Connection, responder_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    sql = "select * from bench_responders where id = $1"
    return await conn.fetchrow(sql + (" for update" if lock else ""), responder_id)


async def deactivate(conn: asyncpg.Connection, responder_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        """update bench_responders set active = false, deactivated_at = now()
           where id = $1 returning *""",
        responder_id,
    )


async def list_all(conn: asyncpg.Connection, *, active_only: bool = False) -> list[asyncpg.Record]:
    """Active responders by name, then the deactivated ones (unless `active_only`)."""
    return await conn.fetch(
        """select * from bench_responders where active or not $1
           order by active desc, lower(name), created_at""",
        active_only,
    )


async def names(conn: asyncpg.Connection) -> dict[str, str]:
    """The registry's name for each subject (the newest entry's), to show people by name."""
    rows = await conn.fetch(
        "select distinct on (subject) subject, name from bench_responders "
        "order by subject, created_at desc"
    )
    return {r["subject"]: r["name"] for r in rows}


# --- What the people hooks count -----------------------------------------------------------


async def responder_work(conn: asyncpg.Connection, subject: str) -> asyncpg.Record:
    """A responder's questions waiting for their answer (and of them overdue), and their
    questions with a follow-up from the asker since the last answer (or since assignment)."""
    return await conn.fetchrow(
        """select
             count(*) filter (where q.status = 'assigned') as open,
             count(*) filter (where q.status = 'assigned' and q.due_at < now()) as overdue,
             count(*) filter (where exists (
                 select 1 from bench_followups f
                 where f.question_id = q.id
                   and f.received_at > greatest(
                       q.assigned_at,
                       (select max(a.answered_at) from bench_answers a where a.question_id = q.id))
             )) as followups
           from bench_questions q where q.assigned_to = $1""",
        subject,
    )


async def coordinator_work(conn: asyncpg.Connection) -> asyncpg.Record:
    """Questions to moderate, to assign, answers to review, overdue, and mail held for
    moderation."""
    return await conn.fetchrow(
        """select
             (select count(*) from bench_questions where status = 'received') as moderation,
             (select count(*) from bench_questions
                where status = 'received' and due_at < now()) as moderation_overdue,
             (select count(*) from bench_questions where status = 'accepted') as unassigned,
             (select count(*) from bench_questions
                where status = 'accepted' and due_at < now()) as unassigned_overdue,
             (select count(*) from bench_questions where status = 'answer_in_review') as in_review,
             (select count(*) from bench_questions
                where status = 'answer_in_review' and due_at < now()) as in_review_overdue,
             (select count(*) from bench_questions
                where status in ('received','accepted','assigned','answer_in_review')
                  and due_at < now()) as overdue,
             (select count(*) from bench_inbound_mail where status = 'moderation') as held_mail"""
    )
