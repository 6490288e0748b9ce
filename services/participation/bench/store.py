"""SQL of the Dialogue Bench: the only place that knows its tables."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg


async def next_edition_number(conn: asyncpg.Connection, year: int) -> int:
    await conn.execute("select pg_advisory_xact_lock(hashtext('bench_edition_number'), $1)", year)
    return await conn.fetchval(
        "select coalesce(max(number), 0) + 1 from bench_editions where year = $1", year
    )


async def insert_edition(conn: asyncpg.Connection, **fields: Any) -> asyncpg.Record:
    return await conn.fetchrow(
        """insert into bench_editions (id, year, number, title, held_on, venue, audience,
               submissions_close_at, answer_due_days, coordinator_email, title_i18n,
               venue_i18n, audience_i18n)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) returning *""",
        fields["id"],
        fields["year"],
        fields["number"],
        fields["title"],
        fields["held_on"],
        fields["venue"],
        fields["audience"],
        fields["submissions_close_at"],
        fields["answer_due_days"],
        fields.get("coordinator_email"),
        fields.get("title_i18n") or {},
        fields.get("venue_i18n") or {},
        fields.get("audience_i18n") or {},
    )


async def update_edition_texts(
    conn: asyncpg.Connection, edition_id: uuid.UUID, **texts: Any
) -> asyncpg.Record | None:
    """Change an edition's resident-facing texts and their translations (those not given, or
    None, stay as they are)."""
    return await conn.fetchrow(
        """update bench_editions set title = coalesce($2, title), venue = coalesce($3, venue),
               audience = coalesce($4, audience), title_i18n = coalesce($5, title_i18n),
               venue_i18n = coalesce($6, venue_i18n),
               audience_i18n = coalesce($7, audience_i18n)
           where id = $1 returning *""",
        edition_id,
        texts.get("title"),
        texts.get("venue"),
        texts.get("audience"),
        texts.get("title_i18n"),
        texts.get("venue_i18n"),
        texts.get("audience_i18n"),
    )


async def list_editions(
    conn: asyncpg.Connection, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        "select * from bench_editions order by held_on desc, created_at desc limit $1 offset $2",
        limit,
        offset,
    )
    total = await conn.fetchval("select count(*) from bench_editions")
    return rows, total


async def public_editions(
    conn: asyncpg.Connection, now: Any, limit: int = 100
) -> list[asyncpg.Record]:
    """The editions residents see: every one taking questions now first (the soonest to close
    first), then the others, the latest held first — so an open edition is never pushed off the
    page by many past or later ones."""
    return await conn.fetch(
        "select * from bench_editions order by "
        "(status = 'open' and submissions_close_at > $1) desc, "
        "case when status = 'open' and submissions_close_at > $1 "
        "then submissions_close_at end asc, held_on desc, created_at desc limit $2",
        now,
        limit,
    )


async def edition(conn: asyncpg.Connection, edition_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from bench_editions where id = $1", edition_id)


async def set_edition_status(
    conn: asyncpg.Connection, edition_id: uuid.UUID, status: str
) -> asyncpg.Record:
    return await conn.fetchrow(
        """update bench_editions set status = $2, submissions_changed_at = now(),
               held_recorded_at = case when $2 = 'held' then now() else held_recorded_at end
           where id = $1 returning *""",
        edition_id,
        status,
    )


async def editions_past_close(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Editions still open after their closing time, locked for the closing job."""
    return await conn.fetch(
        "select * from bench_editions where status = 'open' and submissions_close_at <= now() "
        "for update skip locked"
    )


async def editions_accepting(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Editions open for submissions now, the one closing soonest first."""
    return await conn.fetch(
        "select * from bench_editions where status = 'open' and submissions_close_at > now() "
        "order by submissions_close_at, held_on"
    )


async def edition_for_update(
    conn: asyncpg.Connection, edition_id: uuid.UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from bench_editions where id = $1 for update", edition_id)


async def edition_with_next_seq(
    conn: asyncpg.Connection, edition_id: uuid.UUID
) -> asyncpg.Record | None:
    """The edition with the next question number (`next_seq`), in one round trip (the intake's
    hot path); None when there is no such edition. The number comes from a sequence: no lock
    is held until commit, so questions of one edition are written in parallel. Numbers are
    unique but may skip (a rolled-back or refused question keeps its number)."""
    return await conn.fetchrow(
        "select *, nextval('bench_question_number') as next_seq from bench_editions where id = $1",
        edition_id,
    )


async def insert_question(conn: asyncpg.Connection, **f: Any) -> None:
    await conn.execute(
        """insert into bench_questions (id, edition_id, reference, seq, tracking_token_hash, channel,
               topic, language, grp, text, asker_name, asker_email, consent, received_at, due_at,
               entered_by, publish)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)""",
        f["id"],
        f["edition_id"],
        f["reference"],
        f["seq"],
        f["token_hash"],
        f["channel"],
        f["topic"],
        f["language"],
        f["group"],
        f["text"],
        f["name"],
        f["email"],
        f["consent"],
        f["received_at"],
        f["due_at"],
        f.get("entered_by"),
        bool(f.get("publish")),
    )


async def edition_of_question(conn: asyncpg.Connection, reference: str) -> asyncpg.Record | None:
    """The edition a question (by its reference) was asked for."""
    return await conn.fetchrow(
        "select e.* from bench_editions e join bench_questions q on q.edition_id = e.id "
        "where q.reference = $1",
        reference,
    )


async def question_by_reference(conn: asyncpg.Connection, reference: str) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from bench_questions where reference = $1", reference)


async def latest_answer(conn: asyncpg.Connection, question_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select text, language, answered_at from bench_answers where question_id = $1 "
        "order by answered_at desc limit 1",
        question_id,
    )
