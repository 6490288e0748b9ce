"""SQL of the public archive: published questions with their answers, search, consent,
withholding, translations.

A question is published when, and only when, `PUBLISHED` holds: its asker agreed (`publish`),
staff did not withhold it, moderation accepted it (a rejected question carries its reason, a
merged one is the duplicate of another, which is published instead), it was answered, and it was
not erased. Every public read goes
through `PUBLISHED`; nothing else of a question is ever read here for the public.
"""

# ruff: noqa: S608 - the SQL is put together from constants of this module only; every value
# (filters, search patterns, limits) is a bind parameter.
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.participation.bench import archive
from shared.privacy import ERASED

PUBLISHED = (
    "q.publish and q.withheld_at is null and q.answered_at is not null "
    f"and q.text <> '{ERASED}' and q.reject_reason is null "
    "and q.moderated_at is not null and q.merged_into is null"
)

_FIRST_ANSWER = f"""join lateral (
        select a.text as answer_text, a.text_i18n as answer_i18n, a.language as answer_language,
               a.answered_at as first_answered_at
        from bench_answers a where a.question_id = q.id and a.text <> '{ERASED}'
        order by a.answered_at limit 1) a on true"""

_COLUMNS = """q.id, q.edition_id, e.title as edition_title, e.title_i18n as edition_title_i18n,
    e.held_on, q.topic, q.language,
    q.received_at, q.answered_at, q.text, q.text_i18n, q.asker_name,
    a.answer_text, a.answer_i18n, a.answer_language, a.first_answered_at"""


def _where(filters: dict[str, Any], terms: list[str], args: list[Any]) -> str:  # appends to args
    clauses = [PUBLISHED]
    for column, key in (("q.topic", "topic"), ("q.language", "language")):
        if filters.get(key):
            args.append(filters[key])
            clauses.append(f"{column} = ${len(args)}")
    if filters.get("edition"):
        args.append(filters["edition"])
        clauses.append(f"q.edition_id = ${len(args)}")
    if terms:
        args.append(archive.tsquery(terms))
        clauses.append(f"q.search_vector @@ to_tsquery('simple', ${len(args)})")
    return " and ".join(clauses)


COUNT_CAP = 1_000
"""Matches counted at most: counting visits every matching row, which for a frequent word in a
large archive took longer than the page itself (tests/bench/archive.py). Past it the total is
'more than COUNT_CAP'."""


async def search(
    conn: asyncpg.Connection, filters: dict[str, Any], terms: list[str], limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """Published questions matching every term (a word prefix, in any language of the
    question, its answers or their translations), newest answer first, and how many there are
    (at most COUNT_CAP + 1: more than COUNT_CAP)."""
    args: list[Any] = []
    where = _where(filters, terms, args)
    total = await conn.fetchval(
        f"select count(*) from (select 1 from bench_questions q where {where} "
        f"limit {COUNT_CAP + 1}) found",
        *args,
    )
    if not total or (total <= COUNT_CAP and offset >= total):
        return [], total
    page = f"""select q.* from bench_questions q where {where}
                  order by q.answered_at desc, q.id desc
                  limit ${len(args) + 1} offset ${len(args) + 2}"""
    if terms and total <= COUNT_CAP:
        # Few matches: take them through the word index first, then sort them. Walking the
        # newest-first index and testing each row reads most of the archive for a rare word.
        page = f"""with hits as materialized (select q.* from bench_questions q where {where})
                  select * from hits order by answered_at desc, id desc
                  limit ${len(args) + 1} offset ${len(args) + 2}"""
    rows = await conn.fetch(
        f"""select {_COLUMNS}
            from ({page}) q
            join bench_editions e on e.id = q.edition_id
            {_FIRST_ANSWER}
            order by q.answered_at desc, q.id desc""",
        *args,
        limit,
        offset,
    )
    return rows, total


async def published(conn: asyncpg.Connection, question_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""select {_COLUMNS} from bench_questions q
            join bench_editions e on e.id = q.edition_id {_FIRST_ANSWER}
            where q.id = $1 and {PUBLISHED}""",
        question_id,
    )


async def answers(conn: asyncpg.Connection, question_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""select id, text, text_i18n, language, answered_at from bench_answers
            where question_id = $1 and text <> '{ERASED}' order by answered_at, id""",
        question_id,
    )


async def editions_with_answers(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Editions that have a published question (the archive's edition filter)."""
    return await conn.fetch(
        f"""select e.id, e.title, e.held_on from bench_editions e
            where exists (select 1 from bench_questions q where q.edition_id = e.id and {PUBLISHED})
            order by e.held_on desc, e.number desc"""
    )


async def all_published(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every published question with its first answer (the open data set)."""
    return await conn.fetch(
        f"""select {_COLUMNS} from bench_questions q
            join bench_editions e on e.id = q.edition_id {_FIRST_ANSWER}
            where {PUBLISHED} order by q.answered_at desc, q.id desc"""
    )


async def refresh_search(conn: asyncpg.Connection, question_id: uuid.UUID) -> None:
    """Recompute what the archive searches for a question (masked, folded): after an answer, a
    translation or an erasure. Empty while the question is not answered."""
    row = await conn.fetchrow(
        "select text, text_i18n, asker_name, status from bench_questions where id = $1",
        question_id,
    )
    if row is None:
        return
    answer_rows = await answers(conn, question_id)
    document = ""
    if row["text"] != ERASED and answer_rows:
        document = archive.search_document(
            row["text"],
            row["text_i18n"] or {},
            [(a["text"], a["text_i18n"] or {}) for a in answer_rows],
            [row["asker_name"]] if row["asker_name"] else [],
        )
    await conn.execute(
        "update bench_questions set search_vector = strip(to_tsvector('simple', $2)) where id = $1",
        question_id,
        document,
    )


async def set_publish(
    conn: asyncpg.Connection, question_id: uuid.UUID, publish: bool, at: datetime
) -> None:
    await conn.execute(
        """update bench_questions set publish = $2, publish_changed_at = $3, updated_at = now()
           where id = $1""",
        question_id,
        publish,
        at,
    )


async def set_withheld(
    conn: asyncpg.Connection,
    question_id: uuid.UUID,
    *,
    by: str | None,
    reason: str | None,
    at: datetime | None,
) -> None:
    await conn.execute(
        """update bench_questions set withheld_at = $2, withheld_by = $3, withheld_reason = $4,
               updated_at = now() where id = $1""",
        question_id,
        at,
        by,
        reason,
    )


async def set_translations(
    conn: asyncpg.Connection,
    question_id: uuid.UUID,
    question_i18n: dict[str, str],
    answer_i18n: dict[uuid.UUID, dict[str, str]],
) -> None:
    await conn.execute(
        "update bench_questions set text_i18n = $2, updated_at = now() where id = $1",
        question_id,
        question_i18n,
    )
    for answer_id, translations in answer_i18n.items():
        await conn.execute(
            "update bench_answers set text_i18n = $3 where id = $1 and question_id = $2",
            answer_id,
            question_id,
            translations,
        )
    await refresh_search(conn, question_id)
