"""SQL of the departments' registry and of the escalation ladder (migration 021)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

_SELECT = """select d.*, coalesce(
                 (select array_agg(r.id order by lower(r.name)) from bench_responders r
                   where r.department_id = d.id and r.active), '{}') as responder_ids
             from bench_departments d"""


async def insert(conn: asyncpg.Connection, **f: Any) -> asyncpg.Record:
    row = await conn.fetchrow(
        """insert into bench_departments (id, name, name_i18n, email, head_email, topics,
               reminder_days, review_required, created_by)
           values ($1,$2,$3::jsonb,$4,$5,$6,$7,$8,$9) returning id""",
        uuid.uuid4(),
        f["name"],
        json.dumps(f["name_i18n"]),
        f["email"],
        f["head_email"],
        f["topics"],
        f["reminder_days"],
        f["review_required"],
        f["created_by"],
    )
    return row["id"]


async def update(conn: asyncpg.Connection, department_id: uuid.UUID, **f: Any) -> None:
    await conn.execute(
        """update bench_departments set name = $2, name_i18n = $3::jsonb, email = $4,
               head_email = $5, topics = $6, reminder_days = $7, review_required = $8,
               updated_at = now()
           where id = $1""",
        department_id,
        f["name"],
        json.dumps(f["name_i18n"]),
        f["email"],
        f["head_email"],
        f["topics"],
        f["reminder_days"],
        f["review_required"],
    )


async def set_responders(
    conn: asyncpg.Connection, department_id: uuid.UUID, responder_ids: list[uuid.UUID]
) -> None:
    """The department's responders are exactly these (others leave it)."""
    await conn.execute(
        """update bench_responders set department_id = null
           where department_id = $1 and not (id = any($2::uuid[]))""",
        department_id,
        responder_ids,
    )
    await conn.execute(
        "update bench_responders set department_id = $1 where id = any($2::uuid[])",
        department_id,
        responder_ids,
    )


async def unknown_responders(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Of these ids, those that are no active responder of the registry."""
    known = {
        r["id"]
        for r in await conn.fetch(
            "select id from bench_responders where id = any($1::uuid[]) and active", ids
        )
    }
    return [i for i in ids if i not in known]


async def get(conn: asyncpg.Connection, department_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_SELECT + " where d.id = $1", department_id)


async def list_all(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(_SELECT + " order by lower(d.name), d.created_at")


async def for_topic(conn: asyncpg.Connection, topic: str) -> asyncpg.Record | None:
    """The department that takes a topic by default (the oldest, when several do)."""
    return await conn.fetchrow(
        _SELECT + " where $1 = any(d.topics) order by d.created_at limit 1", topic
    )


# --- The escalation ladder -----------------------------------------------------------------


async def ladder_candidates(
    conn: asyncpg.Connection, now: datetime, limit: int = 500
) -> list[asyncpg.Record]:
    """Open questions whose next step may be due: past due, or assigned and within 60 days of
    their due date (the largest reminder setting), with their department's settings and the
    steps already taken; locked so two workers never take a step twice."""
    return await conn.fetch(
        """select q.id, q.reference, q.topic, q.status, q.due_at, q.assigned_to,
                  q.responder_email, q.edition_id, e.coordinator_email,
                  d.id as dept_id, d.email as dept_email, d.head_email,
                  coalesce(d.reminder_days, 3) as reminder_days,
                  coalesce((select array_agg(s.step) from bench_escalations s
                             where s.question_id = q.id), '{}') as steps,
                  (select r.language from bench_responders r
                    where r.subject = q.assigned_to and r.active
                    order by r.created_at desc limit 1) as responder_language,
                  (select r.email from bench_responders r
                    where r.subject = q.assigned_to and r.active
                    order by r.created_at desc limit 1) as registry_email
           from bench_questions q
           join bench_editions e on e.id = q.edition_id
           left join bench_departments d on d.id = q.department_id
           where q.status in ('received','accepted','assigned','answer_in_review')
             and q.due_at < $1::timestamptz + interval '61 days'
             and (select count(*) from bench_escalations s where s.question_id = q.id) < 3
           order by q.due_at limit $2 for update of q skip locked""",
        now,
        limit,
    )


async def record_step(
    conn: asyncpg.Connection, question_id: uuid.UUID, step: str, at: datetime, recipients: int
) -> bool:
    """Record a step once; False when it was taken already."""
    done = await conn.fetchval(
        """insert into bench_escalations (question_id, step, sent_at, recipients)
           values ($1,$2,$3,$4) on conflict do nothing returning 1""",
        question_id,
        step,
        at,
        recipients,
    )
    return done is not None


async def steps_of(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select step, sent_at from bench_escalations where question_id = $1 order by sent_at",
        question_id,
    )


# --- Answer review -------------------------------------------------------------------------


async def review_required(conn: asyncpg.Connection, question: Any) -> bool:
    """Whether the question's department (of the registry) wants its answers reviewed."""
    if question["department_id"] is None:
        return False
    return bool(
        await conn.fetchval(
            "select review_required from bench_departments where id = $1",
            question["department_id"],
        )
    )


async def insert_review(conn: asyncpg.Connection, **f: Any) -> uuid.UUID:
    return await conn.fetchval(
        """insert into bench_answer_reviews (id, question_id, text, language, written_by, written_at)
           values ($1,$2,$3,$4,$5,$6) returning id""",
        uuid.uuid4(),
        f["question_id"],
        f["text"],
        f["language"],
        f["by"],
        f["at"],
    )


async def pending_review(conn: asyncpg.Connection, question_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from bench_answer_reviews where question_id = $1 and status = 'pending' for update",
        question_id,
    )


async def decide_review(
    conn: asyncpg.Connection,
    review_id: uuid.UUID,
    *,
    status: str,
    by: str,
    at: datetime,
    comment: str | None,
) -> None:
    await conn.execute(
        """update bench_answer_reviews set status = $2, reviewed_by = $3, reviewed_at = $4,
               comment = $5 where id = $1""",
        review_id,
        status,
        by,
        at,
        comment,
    )


async def reviews_of(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from bench_answer_reviews where question_id = $1 order by written_at",
        question_id,
    )


async def set_status(conn: asyncpg.Connection, question_id: uuid.UUID, status: str) -> None:
    await conn.execute(
        "update bench_questions set status = $2, updated_at = now() where id = $1",
        question_id,
        status,
    )


async def statistics(conn: asyncpg.Connection, year: int | None) -> list[asyncpg.Record]:
    """Per department of the registry (and one row, id NULL, for questions of none): received
    (accepted into the queue: not rejected, not merged), answered, answered by the due date,
    median days from receipt to the written answer, the askers' verdicts and how many were
    helpful; questions received in `year` (any: None)."""
    return await conn.fetch(
        """select d.id as department_id, d.name,
                  count(q.id) as received,
                  count(q.answered_at) as answered,
                  count(*) filter (where q.answered_at <= q.due_at) as answered_on_time,
                  percentile_cont(0.5) within group (
                      order by extract(epoch from q.answered_at - q.received_at) / 86400.0
                  ) filter (where q.answered_at is not null) as median_days,
                  count(*) filter (where q.feedback_at is not null) as verdicts,
                  count(*) filter (where q.feedback_at is not null and q.helpful) as helpful
           from bench_questions q
           left join bench_departments d on d.id = q.department_id
           where q.status not in ('rejected', 'merged')
             and ($1::int is null
                  or extract(year from q.received_at at time zone 'Europe/Warsaw') = $1)
           group by d.id, d.name
           order by d.name nulls last""",
        year,
    )
