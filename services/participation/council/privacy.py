"""The Council's part of a personal data request: applications, membership, attendance, and the
register of council secretaries.

Erasure keeps every row (meetings keep their attendance counts, members their seats and terms)
and removes who the person is: names, organisations, addresses and motivations become ERASED or
NULL, their invitation links stop working, the descriptions of agenda items they proposed are
erased, and where minutes, agenda or resolutions name them, the name is replaced by ERASED. An
erasure does not end a term of office: the secretariat records a departure as usual. A
registered secretary's row is deleted (the register holds nothing but who they are).
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
    redact,
    redact_mentions,
)


async def _applications(conn: asyncpg.Connection, person: Person) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from council_applications where lower(email) = $1 order by received_at",
        person.email,
    )


async def _members(
    conn: asyncpg.Connection, person: Person, application_ids: list
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from council_members where lower(email) = $1 or application_id = any($2::uuid[]) "
        "order by appointed_at",
        person.email,
        application_ids,
    )


async def export(conn: asyncpg.Connection, person: Person) -> Export:
    """Applications, memberships, invitations and RSVPs, proposals, and attendance lines."""
    applications = await _applications(conn, person)
    members = await _members(conn, person, [a["id"] for a in applications])
    member_ids = [m["id"] for m in members]
    names = identifying_names([a["name"] for a in applications] + [m["name"] for m in members])
    document: Export = {
        "council_applications": records(applications),
        "council_members": records(members),
        "council_invitations": records(
            await conn.fetch(
                """select i.meeting_id, m.title as meeting, m.starts_at, i.response,
                          i.responded_at, i.invited_at, i.reminded_at
                   from council_invitations i join council_meetings m on m.id = i.meeting_id
                   where i.member_id = any($1::uuid[]) order by m.starts_at""",
                member_ids,
            )
        ),
        "council_agenda_proposals": records(
            await conn.fetch(
                "select id, meeting_id, title, description, status, created_at "
                "from council_agenda_items where proposed_by_member = any($1::uuid[])",
                member_ids,
            )
        ),
        "council_attendance": records(
            await conn.fetch(
                """select a.meeting_id, m.title as meeting, m.starts_at, a.name, a.organisation,
                          a.member_id
                   from council_attendance a join council_meetings m on m.id = a.meeting_id
                   where a.member_id = any($1::uuid[]) or (a.member_id is null and lower(a.name)
                         = any(select lower(n) from unnest($2::text[]) n))
                   order by m.starts_at""",
                member_ids,
                names,
            )
        ),
        "council_secretaries": records(
            await conn.fetch(
                "select name, email, language, added_at from council_secretaries where email = $1",
                person.email,
            )
        ),
    }
    return {table: rows for table, rows in document.items() if rows}


async def erase(conn: asyncpg.Connection, person: Person) -> Erased:
    """Anonymise the person's applications, memberships and attendance lines."""
    result = Erased()
    applications = await _applications(conn, person)
    application_ids = [a["id"] for a in applications]
    members = await _members(conn, person, application_ids)
    member_ids = [m["id"] for m in members]
    result.names |= {a["name"] for a in applications} | {m["name"] for m in members}
    names = identifying_names(result.names)
    # A guest line has only a name: it is theirs when it carries their full name exactly.
    result.add(
        "council_attendance_anonymised",
        affected(
            await conn.execute(
                """update council_attendance set name = $3, organisation = null
                   where (member_id = any($1::uuid[]) or (member_id is null and lower(name)
                          = any(select lower(n) from unnest($2::text[]) n)))
                     and (name <> $3 or organisation is not null)""",
                member_ids,
                names,
                ERASED,
            )
        ),
    )
    await conn.execute(
        """update council_invitations set token_hash = 'erased:' || gen_random_uuid()
           where member_id = any($1::uuid[]) and token_hash not like 'erased:%'""",
        member_ids,
    )
    result.add(
        "council_proposals_erased",
        affected(
            await conn.execute(
                "update council_agenda_items set description = $2 "
                "where proposed_by_member = any($1::uuid[]) and description <> $2",
                member_ids,
                ERASED,
            )
        ),
    )
    result.add(
        "council_members_anonymised",
        affected(
            await conn.execute(
                "update council_members set name = $2, organisation = null, email = null "
                "where id = any($1::uuid[])",
                member_ids,
                ERASED,
            )
        ),
    )
    result.add(
        "council_applications_anonymised",
        affected(
            await conn.execute(
                """update council_applications
                   set name = $2, organisation = null, email = $3, motivation = $2
                   where id = any($1::uuid[])""",
                application_ids,
                ERASED,
                ERASED_EMAIL,
            )
        ),
    )
    secretaries = await conn.fetch(
        "delete from council_secretaries where email = $1 returning name", person.email
    )
    result.names |= {r["name"] for r in secretaries}
    names = identifying_names(result.names)
    result.add("council_secretaries_deleted", len(secretaries))
    await redact_mentions(
        conn,
        result,
        "council_mentions_redacted",
        [person.email, *names],
        (
            ("council_meetings", "minutes_text"),
            ("council_agenda_items", "title"),
            ("council_agenda_items", "description"),
            ("council_resolutions", "title"),
            ("council_resolutions", "text"),
            ("council_applications", "motivation"),
        ),
    )
    result.add(
        "council_translations_redacted",
        await _redact_translations(conn, [person.email, *names]),
    )
    return result


TRANSLATED = (
    ("council_calls", "title_i18n"),
    ("council_calls", "description_i18n"),
    ("council_meetings", "title_i18n"),
    ("council_meetings", "place_i18n"),
    ("council_agenda_items", "title_i18n"),
    ("council_resolutions", "title_i18n"),
    ("council_resolutions", "text_i18n"),
)
"""The translations of staff text (migration 052): each version is redacted as its original is."""


async def _redact_translations(conn: asyncpg.Connection, needles: list[str]) -> int:
    """Replace the person's address and full names in every translated version (as whole words,
    like `redact_mentions` does in the originals); returns the rows changed."""
    wanted = [n for n in needles if n]
    if not wanted:
        return 0
    changed = 0
    for table, column in TRANSLATED:
        # Names from TRANSLATED above, never input.
        rows = await conn.fetch(
            f"select id, {column} as versions from {table} "  # noqa: S608
            f"where exists (select 1 from unnest($1::text[]) n "
            f"where strpos(lower({column}::text), lower(n)) > 0) for update",
            wanted,
        )
        for row in rows:
            versions = dict(row["versions"] or {})
            redacted = {code: redact(str(text), wanted) for code, text in versions.items()}
            if redacted != versions:
                await conn.execute(
                    f"update {table} set {column} = $2 where id = $1",  # noqa: S608
                    row["id"],
                    redacted,
                )
                changed += 1
    return changed
