"""SQL of Bench questions after intake: queue, moderation, routing, answers, delivery, threads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

# Overdue first (the promise at risk), then by due date, then by arrival.
_QUEUE = """
    select q.id, q.reference, q.status, q.channel, q.topic, q.language, q.grp, q.received_at,
           q.due_at, q.assigned_to, q.department, q.merged_into, q.answered_live_at,
           q.answered_at, q.overdue_flagged_at,
           case when char_length(split_part(q.text, E'\n', 1)) > 200
                     then left(split_part(q.text, E'\n', 1), 200) || '…'
                when strpos(q.text, E'\n') > 0 then split_part(q.text, E'\n', 1) || ' …'
                else q.text end as excerpt,
           greatest(0, extract(day from now() - q.received_at))::int as age_days,
           q.department_id,
           (q.status in ('received','accepted','assigned','answer_in_review') and q.due_at < now()) as overdue
    from bench_questions q
    where q.edition_id = $1 and ($2::text is null or q.status = $2) and ($3::text is null or q.topic = $3)
      and ($4::text is null or q.language = $4) and ($5::text is null or q.channel = $5)
      and ($6::text is null or q.assigned_to = $6)
      and ($9::uuid is null or q.department_id = $9)
    order by overdue desc, q.due_at, q.received_at limit $7 offset $8"""
_QUEUE_COUNT = """select count(*) from bench_questions q
    where q.edition_id = $1 and ($2::text is null or q.status = $2) and ($3::text is null or q.topic = $3)
      and ($4::text is null or q.language = $4) and ($5::text is null or q.channel = $5)
      and ($6::text is null or q.assigned_to = $6)
      and ($7::uuid is null or q.department_id = $7)"""


async def list_questions(
    conn: asyncpg.Connection,
    edition_id: uuid.UUID,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[list[asyncpg.Record], int]:
    """The edition's queue, filtered; what is overdue comes first, then by due date."""
    args = [
        edition_id,
        filters.get("status"),
        filters.get("topic"),
        filters.get("language"),
        filters.get("channel"),
        filters.get("assigned_to"),
    ]
    department = filters.get("department_id")
    rows = await conn.fetch(_QUEUE, *args, limit, offset, department)
    total = await conn.fetchval(_QUEUE_COUNT, *args, department)
    return rows, total


async def question(
    conn: asyncpg.Connection, question_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    if lock:
        return await conn.fetchrow(
            "select * from bench_questions where id = $1 for update", question_id
        )
    return await conn.fetchrow("select * from bench_questions where id = $1", question_id)


async def moderate(
    conn: asyncpg.Connection,
    question_id: uuid.UUID,
    *,
    status: str,
    by: str,
    reason: str | None,
    merged_into: uuid.UUID | None,
    topic: str | None,
    language: str | None,
    reason_code: str | None = None,
) -> None:
    await conn.execute(
        """update bench_questions set status = $2, moderated_at = now(), moderated_by = $3,
               reject_reason = $4, merged_into = $5, topic = coalesce($6, topic),
               language = coalesce($7, language), reject_reason_code = $8, updated_at = now()
           where id = $1""",
        question_id,
        status,
        by,
        reason,
        merged_into,
        topic,
        language,
        reason_code,
    )


async def assign(
    conn: asyncpg.Connection,
    question_id: uuid.UUID,
    *,
    responder: str,
    department: str | None,
    responder_email: str | None,
    at: datetime,
    department_id: uuid.UUID | None = None,
) -> None:
    await conn.execute(
        """update bench_questions set status = 'assigned', assigned_to = $2, department = $3,
               responder_email = $4, assigned_at = $5, department_id = $6, updated_at = now()
           where id = $1""",
        question_id,
        responder,
        department,
        responder_email,
        at,
        department_id,
    )


async def mark_answered_live(
    conn: asyncpg.Connection, question_id: uuid.UUID, at: datetime
) -> None:
    await conn.execute(
        "update bench_questions set answered_live_at = $2, updated_at = now() where id = $1",
        question_id,
        at,
    )


async def merged_into(conn: asyncpg.Connection, target_id: uuid.UUID) -> list[asyncpg.Record]:
    """Questions merged into the target, locked: they are answered with it."""
    return await conn.fetch(
        "select * from bench_questions where merged_into = $1 and status = 'merged' order by received_at for update",
        target_id,
    )


async def insert_answer(
    conn: asyncpg.Connection,
    *,
    question_id: uuid.UUID,
    text: str,
    language: str,
    by: str,
    at: datetime,
    mail_id: uuid.UUID | None,
) -> uuid.UUID:
    answer_id = uuid.uuid4()
    await conn.execute(
        """insert into bench_answers (id, question_id, text, language, answered_by, answered_at, mail_id)
           values ($1,$2,$3,$4,$5,$6,$7)""",
        answer_id,
        question_id,
        text,
        language,
        by,
        at,
        mail_id,
    )
    await conn.execute(
        # The first answer's time stays (deadline statistics); a second answer ends a follow-up.
        "update bench_questions set status = 'answered', answered_at = coalesce(answered_at, $2), "
        "updated_at = now() where id = $1",
        question_id,
        at,
    )
    return answer_id


async def answers_of(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from bench_answers where question_id = $1 order by answered_at", question_id
    )


async def mark_delivered(
    conn: asyncpg.Connection, answer_id: uuid.UUID, via: str
) -> asyncpg.Record | None:
    """Record delivery once; None when it was recorded before."""
    return await conn.fetchrow(
        """update bench_answers set delivered_at = now(), delivered_via = $2
           where id = $1 and delivered_at is null returning id, question_id, delivered_at""",
        answer_id,
        via,
    )


async def answers_sent_not_recorded(
    conn: asyncpg.Connection, limit: int = 500
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select a.id from bench_answers a join outgoing_mail m on m.id = a.mail_id
           where a.delivered_at is null and m.sent_at is not null order by a.answered_at limit $1""",
        limit,
    )


async def answer_mail(conn: asyncpg.Connection, answer_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select id, mail_id, delivered_at from bench_answers where id = $1", answer_id
    )


async def due_unflagged(
    conn: asyncpg.Connection, now: datetime, limit: int = 200
) -> list[asyncpg.Record]:
    """Open questions past due and not flagged yet, locked so two workers never flag one twice."""
    return await conn.fetch(
        """select q.*, e.coordinator_email from bench_questions q join bench_editions e on e.id = q.edition_id
           where q.status in ('received','accepted','assigned','answer_in_review') and q.due_at < $1
             and q.overdue_flagged_at is null
           order by q.due_at limit $2 for update of q skip locked""",
        now,
        limit,
    )


async def flag_overdue(conn: asyncpg.Connection, question_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "update bench_questions set overdue_flagged_at = $2 where id = $1", question_id, at
    )


# --- Duplicates, follow-ups, threads -----------------------------------------------------------


async def duplicate_candidates(
    conn: asyncpg.Connection, edition_id: uuid.UUID, *, limit: int
) -> list[Any]:
    """(id, text, topic) of the edition's most recent questions that may be duplicated."""
    rows = await conn.fetch(
        """select id, text, topic from bench_questions
           where edition_id = $1 and status not in ('rejected', 'merged')
           order by received_at desc limit $2""",
        edition_id,
        limit,
    )
    return [(r["id"], r["text"], r["topic"]) for r in rows]


async def unchecked_questions(
    conn: asyncpg.Connection, edition_id: uuid.UUID, *, limit: int
) -> list[tuple[uuid.UUID, str, str]]:
    """(id, text, topic) of an edition's questions not looked at for duplicates yet, oldest
    first (locked)."""
    rows = await conn.fetch(
        """select id, text, topic from bench_questions
           where edition_id = $1 and duplicates_checked_at is null
           order by received_at limit $2 for update skip locked""",
        edition_id,
        limit,
    )
    return [(r["id"], r["text"], r["topic"]) for r in rows]


async def mark_duplicates_checked(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> None:
    await conn.execute(
        "update bench_questions set duplicates_checked_at = now() where id = any($1::uuid[])", ids
    )


async def editions_with_unchecked_questions(
    conn: asyncpg.Connection, older_than_seconds: float
) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """select distinct edition_id from bench_questions
           where duplicates_checked_at is null
             and received_at < now() - make_interval(secs => $1)""",
        older_than_seconds,
    )
    return [r["edition_id"] for r in rows]


async def save_duplicates(
    conn: asyncpg.Connection, found: list[tuple[uuid.UUID, Any, float]]
) -> None:
    """Record (question, candidate, score) suggestions (each once)."""
    if found:
        await conn.executemany(
            "insert into bench_duplicate_suggestions (question_id, candidate_id, score) "
            "values ($1,$2,$3) on conflict do nothing",
            found,
        )


async def duplicates_of(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select d.candidate_id as id, q.reference, q.status, d.score
           from bench_duplicate_suggestions d join bench_questions q on q.id = d.candidate_id
           where d.question_id = $1 order by d.score desc""",
        question_id,
    )


async def followups_of(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select text, received_at, sender from bench_followups where question_id = $1 "
        "order by received_at",
        question_id,
    )


async def add_followup(
    conn: asyncpg.Connection,
    question_id: uuid.UUID,
    inbound_id: uuid.UUID | None,
    text: str,
    sender: str,
) -> None:
    await conn.execute(
        "insert into bench_followups (id, question_id, inbound_id, text, sender) "
        "values ($1,$2,$3,$4,$5)",
        uuid.uuid4(),
        question_id,
        inbound_id,
        text,
        sender,
    )
    await conn.execute("update bench_questions set updated_at = now() where id = $1", question_id)


async def add_thread_message(
    conn: asyncpg.Connection, message_id: str | None, question_id: uuid.UUID, direction: str
) -> None:
    if message_id:
        await conn.execute(
            "insert into bench_thread_messages (message_id, question_id, direction) values ($1,$2,$3) "
            "on conflict do nothing",
            message_id,
            question_id,
            direction,
        )


async def question_of_thread(
    conn: asyncpg.Connection, message_ids: list[str]
) -> asyncpg.Record | None:
    """The question a reply's thread ids name (the newest), with its asker's address."""
    if not message_ids:
        return None
    return await conn.fetchrow(
        """select t.question_id, q.asker_email
           from bench_thread_messages t join bench_questions q on q.id = t.question_id
           where t.message_id = any($1::text[]) order by t.created_at desc limit 1""",
        message_ids,
    )


async def thread_of(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch(
        "select message_id from bench_thread_messages where question_id = $1 order by created_at",
        question_id,
    )
    return [r["message_id"] for r in rows]


# --- Answer templates and page form nonces -----------------------------------------------------


async def insert_template(conn: asyncpg.Connection, **f: Any) -> asyncpg.Record:
    return await conn.fetchrow(
        """insert into bench_answer_templates (id, title, topic, language, text, created_by,
               text_i18n)
           values ($1,$2,$3,$4,$5,$6,$7) returning *""",
        uuid.uuid4(),
        f["title"],
        f["topic"],
        f["language"],
        f["text"],
        f["created_by"],
        f.get("text_i18n") or {},
    )


async def list_templates(
    conn: asyncpg.Connection,
    topic: str | None,
    language: str | None,
    *,
    retired: bool = False,
) -> list[asyncpg.Record]:
    """Templates in use (with `retired`, the retired ones too, last) for a topic and language
    (written in it, or with a version in it)."""
    return await conn.fetch(
        """select * from bench_answer_templates
           where ($1::text is null or topic is null or topic = $1)
             and ($2::text is null or language = $2 or text_i18n ? $2)
             and ($3 or retired_at is null)
           order by retired_at is not null, language, title""",
        topic,
        language,
        retired,
    )


async def update_template(
    conn: asyncpg.Connection, template_id: uuid.UUID, **f: Any
) -> asyncpg.Record:
    return await conn.fetchrow(
        """update bench_answer_templates set title = $2, topic = $3, language = $4, text = $5,
               text_i18n = $6, updated_at = now()
           where id = $1 returning *""",
        template_id,
        f["title"],
        f["topic"],
        f["language"],
        f["text"],
        f.get("text_i18n") or {},
    )


async def retire_template(conn: asyncpg.Connection, template_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        "update bench_answer_templates set retired_at = now() where id = $1 returning *",
        template_id,
    )


async def template(
    conn: asyncpg.Connection, template_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    sql = "select * from bench_answer_templates where id = $1"
    return await conn.fetchrow(sql + (" for update" if lock else ""), template_id)


async def claim_form_nonce(conn: asyncpg.Connection, nonce: str) -> uuid.UUID | None:
    """The question a form nonce already created (a double submit), else None after locking it."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('bench_form'), hashtext($1))", nonce)
    return await conn.fetchval(
        "select question_id from bench_form_submissions where nonce = $1", nonce
    )


async def remember_form_nonce(conn: asyncpg.Connection, nonce: str, question_id: uuid.UUID) -> None:
    await conn.execute(
        "insert into bench_form_submissions (nonce, question_id) values ($1,$2)", nonce, question_id
    )


async def count_by_channel(conn: asyncpg.Connection, edition_id: uuid.UUID) -> dict[str, int]:
    """How many questions an edition has, per channel."""
    rows = await conn.fetch(
        "select channel, count(*) as n from bench_questions where edition_id = $1 group by channel",
        edition_id,
    )
    return {r["channel"]: r["n"] for r in rows}


async def reopen_after_answer(
    conn: asyncpg.Connection, question_id: uuid.UUID
) -> asyncpg.Record | None:
    """An answered question whose asker wrote again becomes `follow_up`; None when it was not
    answered (a reply before the answer only adds to the question)."""
    return await conn.fetchrow(
        """update bench_questions set status = 'follow_up', updated_at = now()
           where id = $1 and status = 'answered' returning *""",
        question_id,
    )
