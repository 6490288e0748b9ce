"""The grants part of a personal data request: an organisation's contact, evaluators, NGO staff.

An organisation is a legal person: its name, NIP and KRS stay (they are public registers). What
points to a natural person goes: the contact address (ERASED_EMAIL: mail to it is dropped) and
phone of an organisation whose contact the person is; an evaluator's name and address, their
subject id and their comments (scores stay: they decided awards); and, given the person's
subject id, their representation of an organisation and their id on what they submitted.
Applications, evaluations, awards and reports all stay, so every count and amount is unchanged.
"""

from __future__ import annotations

import asyncpg

from shared.privacy import (
    ERASED,
    ERASED_EMAIL,
    Erased,
    Export,
    Person,
    affected,
    identifying_names,
    records,
    redact_mentions,
)


async def _evaluators(conn: asyncpg.Connection, person: Person) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from evaluators where lower(email) = $1 or ($2::text is not null and subject = $2) "
        "order by joined_at",
        person.email,
        person.subject,
    )


async def export(conn: asyncpg.Connection, person: Person) -> Export:
    """Organisations they are the contact of, evaluator records, representation, submissions."""
    evaluators = await _evaluators(conn, person)
    document: Export = {
        "organisations": records(
            await conn.fetch(
                "select * from organisations where lower(email) = $1 order by registered_at",
                person.email,
            )
        ),
        "evaluators": records(evaluators),
        "evaluations": records(
            await conn.fetch(
                """select application_id, evaluator_id, assigned_at, conflict_of_interest, scores,
                          score, comment, submitted_at
                   from assignments where evaluator_id = any($1::uuid[]) order by assigned_at""",
                [e["id"] for e in evaluators],
            )
        ),
        "representatives": records(
            await conn.fetch(
                """select organisation_id, subject, email, name, language, added_at
                   from representatives where subject = $1 or email = $2 order by added_at""",
                person.subject,
                person.email,
            )
        ),
        "registrations": records(
            await conn.fetch(
                "select * from registrations where email = $1 order by requested_at", person.email
            )
        ),
        "join_requests": records(
            await conn.fetch(
                """select id, organisation_id, email, name, language, requested_at, confirmed_at,
                          decided_at, approved from join_requests
                   where email = $1 or ($2::text is not null and subject = $2)
                   order by requested_at""",
                person.email,
                person.subject,
            )
        ),
        "applications_created": records(
            await conn.fetch(
                "select id, call_id, organisation_id, title, status, created_at, submitted_at "
                "from applications where created_by = $1 order by created_at",
                person.subject,
            )
        ),
        "reports_submitted": records(
            await conn.fetch(
                "select application_id, submitted_at from reports where submitted_by = $1",
                person.subject,
            )
        ),
    }
    return {table: rows for table, rows in document.items() if rows}


async def erase(conn: asyncpg.Connection, person: Person) -> Erased:
    """Remove the person's contact details, evaluator identity and comments, and subject id."""
    result = Erased()
    result.add(
        "organisation_contacts_erased",
        affected(
            await conn.execute(
                "update organisations set email = $2, phone = null where lower(email) = $1",
                person.email,
                ERASED_EMAIL,
            )
        ),
    )
    evaluators = await _evaluators(conn, person)
    ids = [e["id"] for e in evaluators]
    result.names |= {e["name"] for e in evaluators}
    result.add(
        "evaluator_comments_erased",
        affected(
            await conn.execute(
                "update assignments set comment = $2 "
                "where evaluator_id = any($1::uuid[]) and comment <> $2",
                ids,
                ERASED,
            )
        ),
    )
    # The subject id goes too: the account no longer evaluates, and nothing links back to it.
    result.add(
        "evaluators_anonymised",
        affected(
            await conn.execute(
                """update evaluators set name = $2, email = $3, subject = 'erased:' || id::text
                   where id = any($1::uuid[])""",
                ids,
                ERASED,
                ERASED_EMAIL,
            )
        ),
    )
    # A representative known by this address (registered on the pages, or joined) stops acting
    # for the organisation; their registration and join requests are forgotten.
    representing = await conn.fetch(
        "select subject, name from representatives where email = $1", person.email
    )
    result.names |= {r["name"] for r in representing if r["name"]}
    result.add(
        "representations_ended",
        affected(await conn.execute("delete from representatives where email = $1", person.email)),
    )
    result.add(
        "registrations_forgotten",
        affected(await conn.execute("delete from registrations where email = $1", person.email)),
    )
    result.add(
        "join_requests_forgotten",
        affected(
            await conn.execute(
                "delete from join_requests where email = $1 or ($2::text is not null and subject = $2)",
                person.email,
                person.subject,
            )
        ),
    )
    if person.subject:
        result.add(
            "representations_ended",
            affected(
                await conn.execute("delete from representatives where subject = $1", person.subject)
            ),
        )
        result.add(
            "submitter_ids_erased",
            affected(
                await conn.execute(
                    "update applications set created_by = $2 where created_by = $1",
                    person.subject,
                    ERASED,
                )
            )
            + affected(
                await conn.execute(
                    "update reports set submitted_by = $2 where submitted_by = $1",
                    person.subject,
                    ERASED,
                )
            )
            + affected(
                await conn.execute(
                    "update join_requests set decided_by = $2 where decided_by = $1",
                    person.subject,
                    ERASED,
                )
            ),
        )
    await redact_mentions(
        conn,
        result,
        "grants_mentions_redacted",
        [person.email, *identifying_names(result.names)],
        (
            ("assignments", "comment"),
            ("applications", "summary"),
            ("applications", "formal_reason"),
            ("reports", "activities"),
        ),
    )
    return result
