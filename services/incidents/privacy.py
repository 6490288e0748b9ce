"""The incidents part of a personal data request.

A reporter is known only by the address they chose to leave. Erasure blanks what they wrote
(what happened, the place, the referral note and the notes of the history) and their address;
the report stays with its category, district, dates and status, so every count stays exactly as
it was. A member of the response team: their name and address are erased, their subject id
replaced, so the history still shows that a team member acted.
"""

from __future__ import annotations

import asyncpg

from shared.privacy import (
    ERASED,
    Erased,
    Export,
    Person,
    affected,
    records,
    redact_mentions,
)


async def export(conn: asyncpg.Connection, person: Person) -> Export:
    reports = await conn.fetch(
        """select reference, what, place, district, occurred_on, occurred_time, category,
                  reported_to_police, email, language, status, referred_to, reported_at,
                  referred_at
           from reports where email = $1 order by reported_at""",
        person.email,
    )
    members = await conn.fetch(
        "select name, email, language, added_at, removed_at from team_members "
        "where email = $1 or ($2::text is not null and subject = $2)",
        person.email,
        person.subject,
    )
    document: Export = {"reports": records(reports), "team_members": records(members)}
    return {table: rows for table, rows in document.items() if rows}


async def erase(conn: asyncpg.Connection, person: Person) -> Erased:
    result = Erased()
    ids = [
        r["id"]
        for r in await conn.fetch(
            "select id from reports where email = $1 for update", person.email
        )
    ]
    result.add(
        "incident_reports_anonymised",
        affected(
            await conn.execute(
                """update reports set what = $2, place = $2, email = null,
                          referral_note = case when referral_note is null then null else $2 end,
                          erased_at = now()
                   where id = any($1::uuid[])""",
                ids,
                ERASED,
            )
        ),
    )
    result.add(
        "incident_history_notes_erased",
        affected(
            await conn.execute(
                "update report_steps set note = $2 where report_id = any($1::uuid[]) "
                "and note is not null",
                ids,
                ERASED,
            )
        ),
    )
    members = await conn.fetch(
        "select id, name, subject from team_members "
        "where email = $1 or ($2::text is not null and subject = $2) for update",
        person.email,
        person.subject,
    )
    result.names |= {m["name"] for m in members}
    result.add(
        "incident_team_members_anonymised",
        affected(
            await conn.execute(
                """update team_members set name = $2, email = 'erased+' || id::text || '@erased.invalid',
                          subject = 'erased:' || id::text, removed_at = coalesce(removed_at, now())
                   where id = any($1::uuid[])""",
                [m["id"] for m in members],
                ERASED,
            )
        ),
    )
    if members:
        await conn.execute(
            "update report_steps set actor = 'erased' where actor = any($1::text[])",
            [m["subject"] for m in members],
        )
    await redact_mentions(
        conn,
        result,
        "incidents_mentions_redacted",
        [person.email],
        (("reports", "what"), ("reports", "referral_note"), ("report_steps", "note")),
    )
    return result
