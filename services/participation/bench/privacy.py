"""The Bench's part of a personal data request: an asker's questions, their mail, staff addresses.

Erasure keeps every question (the indicators and the Bench's own counts stay exact) and removes
what identifies the asker: name and address (NULL), their text and the answers to it (ERASED),
the tracking token (no longer usable), follow-up mails, the raw inbound mail and its thread ids
(deleted); the consent to publish is withdrawn, so the question leaves the public archive, and
its staff translations go with it. Channel, topic, language, self-declared group, status and times are kept: they are
what the programme counts, and no longer point to anyone.
"""

from __future__ import annotations

import uuid

import asyncpg

from services.participation.bench import archive, store_archive
from shared.privacy import (
    ERASED,
    Erased,
    Export,
    Person,
    affected,
    identifying_names,
    records,
    redact,
    redact_mentions,
)


async def export(conn: asyncpg.Connection, person: Person) -> Export:
    """The person's questions (with answers and follow-ups), their inbound mail, staff addresses."""
    questions = await conn.fetch(
        """select q.id, q.reference, e.title as edition, q.channel, q.topic, q.language,
                  q.grp as "group", q.text, q.text_i18n, q.asker_name, q.asker_email, q.consent,
                  q.publish, q.status,
                  q.received_at, q.due_at, q.answered_at
           from bench_questions q join bench_editions e on e.id = q.edition_id
           where lower(q.asker_email) = $1 order by q.received_at""",
        person.email,
    )
    ids = [q["id"] for q in questions]
    document: Export = {
        "bench_questions": records(questions),
        "bench_answers": records(
            await conn.fetch(
                """select question_id, text, language, answered_at, delivered_at, delivered_via
                   from bench_answers where question_id = any($1::uuid[]) order by answered_at""",
                ids,
            )
        ),
        "bench_followups": records(
            await conn.fetch(
                "select question_id, text, sender, received_at from bench_followups "
                "where question_id = any($1::uuid[]) order by received_at",
                ids,
            )
        ),
        "bench_inbound_mail": records(
            await conn.fetch(
                """select id, received_at, peer, mail_from, rcpt_to, message_id, size_bytes,
                          status, reason, detail, question_id, raw
                   from bench_inbound_mail where id = any($1::uuid[]) order by received_at""",
                await _inbound_of(conn, person, ids),
            )
        ),
        "bench_editions_coordinated": records(
            await conn.fetch(
                "select id, title, coordinator_email from bench_editions "
                "where lower(coordinator_email) = $1",
                person.email,
            )
        ),
        "bench_questions_routed_to": records(
            await conn.fetch(
                "select id, reference, department, responder_email from bench_questions "
                "where lower(responder_email) = $1",
                person.email,
            )
        ),
        "bench_departments": records(
            await conn.fetch(
                """select id, name, email, head_email from bench_departments
                   where email = $1 or head_email = $1 order by created_at""",
                person.email,
            )
        ),
        "bench_responders": records(
            await conn.fetch(
                """select id, name, email, department, language, active, created_at,
                          deactivated_at
                   from bench_responders where email = $1 order by created_at""",
                person.email,
            )
        ),
    }
    return {table: rows for table, rows in document.items() if rows}


async def erase(conn: asyncpg.Connection, person: Person) -> Erased:
    """Anonymise the person's questions; delete their follow-ups, raw mail and thread ids."""
    result = Erased()
    asked = await conn.fetch(
        "select id, asker_name from bench_questions where lower(asker_email) = $1 for update",
        person.email,
    )
    ids = [q["id"] for q in asked]
    result.names |= {q["asker_name"] for q in asked if q["asker_name"]}
    inbound = await _inbound_of(conn, person, ids)
    result.add(
        "bench_followups_deleted",
        affected(
            await conn.execute(
                "delete from bench_followups where question_id = any($1::uuid[]) "
                "or inbound_id = any($2::uuid[])",
                ids,
                inbound,
            )
        ),
    )
    result.add(
        "bench_inbound_mail_deleted",
        affected(
            await conn.execute("delete from bench_inbound_mail where id = any($1::uuid[])", inbound)
        ),
    )
    await conn.execute("delete from bench_thread_messages where question_id = any($1::uuid[])", ids)
    # The answer was written to this person about their question: it goes with it. Its mail
    # (deleted with the kit's tables) is no longer waited for.
    result.add(
        "bench_answers_erased",
        affected(
            await conn.execute(
                "update bench_answers set text = $2, mail_id = null, text_i18n = '{}' "
                "where question_id = any($1::uuid[]) and text <> $2",
                ids,
                ERASED,
            )
        ),
    )
    result.add(
        "bench_questions_anonymised",
        affected(
            await conn.execute(
                """update bench_questions
                   set asker_name = null, asker_email = null, text = $2, tracking_token_hash = $2,
                       reject_reason = case when reject_reason is null then null else $2 end,
                       publish = false, text_i18n = '{}', search_vector = ''::tsvector,
                       updated_at = now()
                   where id = any($1::uuid[])""",
                ids,
                ERASED,
            )
        ),
    )
    result.add(
        "bench_staff_addresses_removed",
        affected(
            await conn.execute(
                "update bench_questions set responder_email = null where lower(responder_email) = $1",
                person.email,
            )
        )
        + affected(
            await conn.execute(
                "update bench_editions set coordinator_email = null "
                "where lower(coordinator_email) = $1",
                person.email,
            )
        )
        # A department's contact or head address that is the person's: emptied (the ladder
        # then mails the next step's people; the coordinator types the new address).
        + affected(
            await conn.execute(
                "update bench_departments set email = '' where email = $1", person.email
            )
        )
        + affected(
            await conn.execute(
                "update bench_departments set head_email = '' where head_email = $1",
                person.email,
            )
        ),
    )
    # A responder in the registry: no longer one, their name and address gone (the entry's
    # subject stays on the questions they answered).
    result.add(
        "bench_responders_erased",
        affected(
            await conn.execute(
                """update bench_responders set name = $2, email = '', active = false,
                       deactivated_at = coalesce(deactivated_at, now())
                   where email = $1""",
                person.email,
                ERASED,
            )
        ),
    )
    await redact_mentions(
        conn,
        result,
        "bench_mentions_redacted",
        [person.email, *identifying_names(result.names)],
        (
            ("bench_questions", "text"),
            ("bench_questions", "reject_reason"),
            ("bench_answers", "text"),
            ("bench_followups", "text"),
            ("bench_inbound_mail", "detail"),
            ("bench_answer_templates", "text"),
        ),
    )
    await _redact_archive(conn, result, [person.email, *identifying_names(result.names)])
    result.add(
        "bench_mentions_redacted",
        await _redact_template_versions(conn, [person.email, *identifying_names(result.names)]),
    )
    return result


async def _redact_archive(conn: asyncpg.Connection, result: Erased, needles: list[str]) -> None:
    """The person named in other questions of the public archive: redacted in the staff
    translations too (JSONB), and what the archive searches recomputed from the redacted text."""
    wanted = [n for n in needles if n]
    if not wanted:
        return
    changed = 0
    for table in ("bench_questions", "bench_answers"):
        rows = await conn.fetch(
            f"select id, text_i18n from {table} where exists "  # noqa: S608
            "(select 1 from unnest($1::text[]) n where strpos(lower(text_i18n::text), lower(n)) > 0)"
            " for update",
            wanted,
        )
        for row in rows:
            texts = {k: redact(v, wanted) for k, v in (row["text_i18n"] or {}).items()}
            if texts != row["text_i18n"]:
                await conn.execute(
                    f"update {table} set text_i18n = $2 where id = $1",  # noqa: S608
                    row["id"],
                    texts,
                )
                changed += 1
    result.add("bench_translations_redacted", changed)
    # Every word of a name or an address (folded as the archive folds), all of them in one
    # question: its words were made from a text naming them.
    queries = [archive.tsquery(archive.query_terms(n)) for n in wanted]
    stale = await conn.fetch(
        "select id from bench_questions where search_vector <> ''::tsvector and exists "
        "(select 1 from unnest($1::text[]) n where search_vector @@ to_tsquery('simple', n))",
        [q for q in queries if q],
    )
    for row in stale:
        await store_archive.refresh_search(conn, row["id"])


async def _redact_template_versions(conn: asyncpg.Connection, needles: list[str]) -> int:
    """The person's address and names redacted in the answer templates' other-language versions
    (`text_i18n`), as in their `text`; the number of templates changed."""
    wanted = [n for n in needles if n]
    if not wanted:
        return 0
    rows = await conn.fetch(
        """select id, text_i18n from bench_answer_templates
           where exists (select 1 from unnest($1::text[]) n
                         where strpos(lower(text_i18n::text), lower(n)) > 0)
           for update""",
        wanted,
    )
    changed = 0
    for row in rows:
        versions = {code: redact(text, wanted) for code, text in row["text_i18n"].items()}
        if versions != row["text_i18n"]:
            await conn.execute(
                "update bench_answer_templates set text_i18n = $2 where id = $1",
                row["id"],
                versions,
            )
            changed += 1
    return changed


async def _inbound_of(
    conn: asyncpg.Connection, person: Person, question_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Inbound mail from the person: by envelope sender, by question, or naming their address in
    a raw copy still kept for moderation (its From: may differ from the envelope sender)."""
    rows = await conn.fetch(
        """select id, raw, (lower(mail_from) = $1 or question_id = any($2::uuid[])) as theirs
           from bench_inbound_mail
           where lower(mail_from) = $1 or question_id = any($2::uuid[]) or raw is not null""",
        person.email,
        question_ids,
    )
    address = person.email.encode()
    return [
        r["id"]
        for r in rows
        if r["theirs"] or (r["raw"] is not None and address in bytes(r["raw"]).lower())
    ]
