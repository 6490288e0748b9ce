"""The ambassadors part of a personal data request: candidates, nominators and jurors.

Every nomination stays (each is an application the indicator counts, whatever became of it),
with its status, language, self-declared group and times. A candidate's name and address, and
the justification written about them, are erased, and their acceptance link stops working; a
nominator's name, address and justification likewise, and their withdrawal link. A juror's name,
address and subject id, and their comments, are erased; their scores stay, since the ranking and
the published results rest on them. Where other free text names the person, the name is erased.

A laureate's publication (migration 003) is cleared too: the name and the short justification
they agreed to publish, with its translations, and their publication link; the public pages
then say "Laureate (name not published)". The laureate's place stays (the results rest on it).
Open data never held their name.
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

_NOMINATION = """select n.id, n.reference, e.year, n.candidate_name, n.candidate_email,
                        n.justification, n.nominator_name, n.nominator_email, n.nominator_group,
                        n.language, n.status, n.submitted_at, n.accepted_at, n.withdrawn_at
                 from nominations n join editions e on e.id = n.edition_id"""


async def _jurors(conn: asyncpg.Connection, person: Person) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from jurors where lower(email) = $1 or ($2::text is not null and subject = $2) "
        "order by appointed_at",
        person.email,
        person.subject,
    )


async def export(conn: asyncpg.Connection, person: Person) -> Export:
    """Nominations of them and by them, and their work as a juror."""
    jurors = await _jurors(conn, person)
    document: Export = {
        "nominations_as_candidate": records(
            await conn.fetch(
                _NOMINATION + " where lower(n.candidate_email) = $1 order by n.submitted_at",
                person.email,
            )
        ),
        "nominations_as_nominator": records(
            await conn.fetch(
                _NOMINATION + " where lower(n.nominator_email) = $1 order by n.submitted_at",
                person.email,
            )
        ),
        "laureate_publication": records(
            await conn.fetch(
                """select l.nomination_id, e.year, l.position, l.publication, l.public_name,
                          l.public_justification, l.public_justification_i18n,
                          l.public_language, l.publication_decided_at
                   from laureates l join nominations n on n.id = l.nomination_id
                   join editions e on e.id = l.edition_id
                   where lower(n.candidate_email) = $1 order by e.year""",
                person.email,
            )
        ),
        "jurors": records(jurors),
        "scorecards": records(
            await conn.fetch(
                """select s.nomination_id, n.reference, s.scores, s.comment, s.recused,
                          s.submitted_at
                   from scorecards s join nominations n on n.id = s.nomination_id
                   where s.juror_id = any($1::uuid[]) order by s.submitted_at""",
                [j["id"] for j in jurors],
            )
        ),
    }
    return {table: rows for table, rows in document.items() if rows}


async def erase(conn: asyncpg.Connection, person: Person) -> Erased:
    """Anonymise their nominations (either side) and their juror records."""
    result = Erased()
    candidate = await conn.fetch(
        "select id, candidate_name from nominations where lower(candidate_email) = $1 for update",
        person.email,
    )
    nominator = await conn.fetch(
        "select id, nominator_name from nominations where lower(nominator_email) = $1 for update",
        person.email,
    )
    jurors = await _jurors(conn, person)
    result.names |= {n["candidate_name"] for n in candidate}
    result.names |= {n["nominator_name"] for n in nominator}
    result.names |= {j["name"] for j in jurors}
    candidate_ids = [n["id"] for n in candidate]
    juror_ids = [j["id"] for j in jurors]
    result.add(
        "nominations_of_them_anonymised",
        affected(
            await conn.execute(
                """update nominations set candidate_name = $2, candidate_email = $3,
                          justification = $2, acceptance_token_hash = null
                   where id = any($1::uuid[])""",
                candidate_ids,
                ERASED,
                ERASED_EMAIL,
            )
        ),
    )
    result.add(
        "nominations_by_them_anonymised",
        affected(
            await conn.execute(
                """update nominations set nominator_name = $2, nominator_email = $3,
                          justification = $2, withdrawal_token_hash = $2
                   where id = any($1::uuid[])""",
                [n["id"] for n in nominator],
                ERASED,
                ERASED_EMAIL,
            )
        ),
    )
    # What they agreed to publish as a laureate: off the public pages.
    result.add(
        "laureate_publication_erased",
        affected(
            await conn.execute(
                """update laureates set publication = 'declined', public_name = null,
                          public_justification = null, public_justification_i18n = '{}'::jsonb,
                          publication_token_hash = null
                   where nomination_id = any($1::uuid[])""",
                candidate_ids,
            )
        ),
    )
    # Comments about them (as a candidate) and comments they wrote (as a juror).
    result.add(
        "scorecard_comments_erased",
        affected(
            await conn.execute(
                """update scorecards set comment = $3
                   where (nomination_id = any($1::uuid[]) or juror_id = any($2::uuid[]))
                     and comment <> $3""",
                candidate_ids,
                juror_ids,
                ERASED,
            )
        ),
    )
    result.add(
        "jurors_anonymised",
        affected(
            await conn.execute(
                """update jurors set name = $2, email = $3, subject = 'erased:' || id::text
                   where id = any($1::uuid[])""",
                juror_ids,
                ERASED,
                ERASED_EMAIL,
            )
        ),
    )
    await redact_mentions(
        conn,
        result,
        "ambassadors_mentions_redacted",
        [person.email, *identifying_names(result.names)],
        (
            ("nominations", "justification"),
            ("scorecards", "comment"),
            ("mayor_meetings", "notes"),
            ("laureates", "public_justification"),
        ),
    )
    return result
