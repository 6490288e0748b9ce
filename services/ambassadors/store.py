"""SQL of the ambassadors service: the only place that knows its tables."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

Row = asyncpg.Record

# --- editions ------------------------------------------------------------------------------


async def next_edition_number(conn: asyncpg.Connection, year: int) -> int:
    """The edition's number within its year (usually 1), handed out one at a time."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtext('ambassadors_edition_number'), $1)", year
    )
    return await conn.fetchval(
        "select coalesce(max(number), 0) + 1 from editions where year = $1", year
    )


async def insert_edition(conn: asyncpg.Connection, **f: Any) -> None:
    await conn.execute(
        """insert into editions (id, year, nominations_close_at, jury_deadline_at, titles, created_by,
                                 number, title, title_i18n, description, description_i18n)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11::jsonb)""",
        f["id"],
        f["year"],
        f["nominations_close_at"],
        f["jury_deadline_at"],
        f["titles"],
        f["created_by"],
        f["number"],
        *_edition_texts(f["texts"]),
    )
    await replace_criteria(conn, f["id"], f["criteria"])


def _edition_texts(texts: Any) -> tuple[str, dict[str, str], str, dict[str, str]]:
    """The edition's texts per language (the API's `texts`) as its columns: the Polish
    original, and the other versions as `<field>_i18n` JSON."""
    original = texts.get("pl")
    others = {code: t for code, t in texts.items() if code != "pl"}
    return (
        original.title.strip() if original else "",
        encode_i18n({c: t.title for c, t in others.items()}),
        original.description.strip() if original else "",
        encode_i18n({c: t.description for c, t in others.items()}),
    )


def encode_i18n(versions: Any) -> dict[str, str]:
    """Translations as stored in a `<field>_i18n` column (a JSON object, encoded by the
    pool's codec): empty ones dropped."""
    return {code: str(v).strip() for code, v in (versions or {}).items() if v and str(v).strip()}


def decode_i18n(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


async def edition(
    conn: asyncpg.Connection, edition_id: uuid.UUID, *, for_update: bool = False
) -> Row | None:
    if for_update:
        return await conn.fetchrow("select * from editions where id = $1 for update", edition_id)
    return await conn.fetchrow("select * from editions where id = $1", edition_id)


async def criteria(conn: asyncpg.Connection, edition_id: uuid.UUID) -> list[Row]:
    return await conn.fetch(
        "select key, name, name_i18n, weight from criteria where edition_id = $1 order by position",
        edition_id,
    )


async def list_editions(conn: asyncpg.Connection, limit: int, offset: int) -> tuple[list[Row], int]:
    rows = await conn.fetch(
        "select * from editions order by year desc, created_at desc limit $1 offset $2",
        limit,
        offset,
    )
    return rows, await conn.fetchval("select count(*) from editions")


async def editions_by_state(conn: asyncpg.Connection, published: bool, limit: int) -> list[Row]:
    """The newest editions either published (their results out) or still running."""
    return await conn.fetch(
        "select * from editions where (published_at is not null) = $1 "
        "order by year desc, created_at desc limit $2",
        published,
        limit,
    )


async def publish(
    conn: asyncpg.Connection,
    edition_id: uuid.UUID,
    laureates: list[tuple[uuid.UUID, str, str, str]],
    by: str,
    at: datetime,
) -> None:
    """Record the laureates — (nomination, publication token hash, proposed public
    justification, its language) in order — and the edition as published."""
    await conn.executemany(
        """insert into laureates (edition_id, nomination_id, position, publication_token_hash,
                                  public_justification, public_language)
           values ($1, $2, $3, $4, $5, $6)""",
        [(edition_id, n, i + 1, h, text, lang) for i, (n, h, text, lang) in enumerate(laureates)],
    )
    await conn.execute(
        "update editions set published_at = $2, published_by = $3 where id = $1", edition_id, at, by
    )


async def laureates(conn: asyncpg.Connection, edition_id: uuid.UUID) -> list[Row]:
    return await conn.fetch(
        """select n.id, n.reference, n.candidate_name, n.candidate_email, n.language,
                  l.position, l.publication, l.public_name, l.public_justification,
                  l.public_justification_i18n, l.public_language, l.publication_decided_at
           from laureates l join nominations n on n.id = l.nomination_id
           where l.edition_id = $1 order by l.position""",
        edition_id,
    )


async def laureate(
    conn: asyncpg.Connection, nomination_id: uuid.UUID, *, for_update: bool = False
) -> Row | None:
    """A laureate with their nomination's name and language, and the edition's year."""
    if for_update:
        await conn.execute(
            "select 1 from laureates where nomination_id = $1 for update", nomination_id
        )
    return await conn.fetchrow(
        """select l.*, n.candidate_name, n.language, n.reference, e.year
           from laureates l join nominations n on n.id = l.nomination_id
           join editions e on e.id = l.edition_id
           where l.nomination_id = $1""",
        nomination_id,
    )


async def set_publication(
    conn: asyncpg.Connection,
    nomination_id: uuid.UUID,
    *,
    publication: str,
    name: str | None,
    justification: str | None,
    language: str,
    at: datetime,
) -> None:
    """The laureate's decision: agreed (with the name and text to publish) or declined (the
    name and the text are cleared, with their translations)."""
    await conn.execute(
        """update laureates set publication = $2, public_name = $3, public_justification = $4,
                  public_language = $5, publication_decided_at = $6,
                  public_justification_i18n = case when $2 = 'agreed'
                                                   then public_justification_i18n
                                                   else '{}'::jsonb end
           where nomination_id = $1""",
        nomination_id,
        publication,
        name,
        justification,
        language,
        at,
    )


async def set_public_text(
    conn: asyncpg.Connection,
    nomination_id: uuid.UUID,
    justification: str,
    language: str,
    translations: dict[str, str],
) -> None:
    """The coordinator's correction of the public justification and its translations."""
    await conn.execute(
        """update laureates set public_justification = $2, public_language = $3,
                  public_justification_i18n = $4::jsonb
           where nomination_id = $1""",
        nomination_id,
        justification,
        language,
        encode_i18n(translations),
    )


# --- nominations ---------------------------------------------------------------------------


async def next_seq(conn: asyncpg.Connection, edition_id: uuid.UUID) -> int:
    # The caller holds the edition row lock, so numbers are handed out one at a time.
    return await conn.fetchval(
        "select coalesce(max(seq), 0) + 1 from nominations where edition_id = $1", edition_id
    )


async def open_candidacy(
    conn: asyncpg.Connection, edition_id: uuid.UUID, candidate_email: str
) -> Row | None:
    """The live candidacy of this candidate in the edition (not merged, not withdrawn)."""
    return await conn.fetchrow(
        """select * from nominations where edition_id = $1 and candidate_email = $2
             and status in ('awaiting_acceptance', 'accepted') order by seq limit 1""",
        edition_id,
        candidate_email,
    )


async def insert_nomination(conn: asyncpg.Connection, **f: Any) -> None:
    await conn.execute(
        """insert into nominations (id, edition_id, seq, reference, candidate_name, candidate_email,
               justification, nominator_name, nominator_email, nominator_group, language, consent,
               status, merged_into, acceptance_token_hash, withdrawal_token_hash, submitted_at, merged_at)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)""",
        f["id"],
        f["edition_id"],
        f["seq"],
        f["reference"],
        f["candidate_name"],
        f["candidate_email"],
        f["justification"],
        f["nominator_name"],
        f["nominator_email"],
        f["nominator_group"],
        f["language"],
        f["consent"],
        f["status"],
        f["merged_into"],
        f["acceptance_token_hash"],
        f["withdrawal_token_hash"],
        f["submitted_at"],
        f["merged_at"],
    )


async def nomination(
    conn: asyncpg.Connection, nomination_id: uuid.UUID, *, for_update: bool = False
) -> Row | None:
    if for_update:
        return await conn.fetchrow(
            "select * from nominations where id = $1 for update", nomination_id
        )
    return await conn.fetchrow("select * from nominations where id = $1", nomination_id)


async def accept(conn: asyncpg.Connection, nomination_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "update nominations set status = 'accepted', accepted_at = $2 where id = $1",
        nomination_id,
        at,
    )


async def withdraw(
    conn: asyncpg.Connection, nomination_id: uuid.UUID, at: datetime, by: str
) -> None:
    await conn.execute(
        "update nominations set status = 'withdrawn', withdrawn_at = $2, withdrawn_by = $3 where id = $1",
        nomination_id,
        at,
        by,
    )


async def supporters(conn: asyncpg.Connection, candidacy_id: uuid.UUID) -> list[Row]:
    """The candidacy's own submission and every duplicate merged into it, oldest first."""
    return await conn.fetch(
        """select id, reference, nominator_name, justification, submitted_at from nominations
           where (id = $1 or merged_into = $1) and status <> 'withdrawn' order by seq""",
        candidacy_id,
    )


async def list_nominations(
    conn: asyncpg.Connection,
    edition_id: uuid.UUID,
    limit: int,
    offset: int,
    status: str | None = None,
) -> tuple[list[Row], int]:
    """The edition's submissions in order; only those in `status` when given."""
    rows = await conn.fetch(
        """select n.*, 1 + (select count(*) from nominations m
                            where m.merged_into = n.id and m.status = 'merged') as nominators
           from nominations n where n.edition_id = $1 and ($4::text is null or n.status = $4)
           order by n.seq limit $2 offset $3""",
        edition_id,
        limit,
        offset,
        status,
    )
    return rows, await conn.fetchval(
        """select count(*) from nominations
           where edition_id = $1 and ($2::text is null or status = $2)""",
        edition_id,
        status,
    )


async def status_counts(conn: asyncpg.Connection, edition_id: uuid.UUID) -> dict[str, int]:
    rows = await conn.fetch(
        "select status, count(*) as n from nominations where edition_id = $1 group by status",
        edition_id,
    )
    return {r["status"]: r["n"] for r in rows}


async def accepted_candidacies(conn: asyncpg.Connection, edition_id: uuid.UUID) -> list[Row]:
    return await conn.fetch(
        "select id, reference, candidate_name from nominations where edition_id = $1 and status = 'accepted' order by seq",
        edition_id,
    )


# --- jury ----------------------------------------------------------------------------------


async def insert_juror(conn: asyncpg.Connection, **f: Any) -> bool:
    inserted = await conn.fetchval(
        """insert into jurors (id, edition_id, subject, name, email, appointed_by, appointed_at,
                              language)
           values ($1,$2,$3,$4,$5,$6,$7,$8)
           on conflict (edition_id, subject) do nothing returning true""",
        f["id"],
        f["edition_id"],
        f["subject"],
        f["name"],
        f["email"],
        f["appointed_by"],
        f["appointed_at"],
        f["language"],
    )
    return bool(inserted)


async def add_links(
    conn: asyncpg.Connection, juror_id: uuid.UUID, nomination_ids: list[uuid.UUID]
) -> None:
    await conn.executemany(
        "insert into juror_links (juror_id, nomination_id) values ($1, $2) on conflict do nothing",
        [(juror_id, n) for n in nomination_ids],
    )


async def links_of(conn: asyncpg.Connection, juror_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await conn.fetch(
        "select nomination_id from juror_links where juror_id = $1 order by nomination_id", juror_id
    )
    return [r["nomination_id"] for r in rows]


async def is_linked(
    conn: asyncpg.Connection, juror_id: uuid.UUID, nomination_id: uuid.UUID
) -> bool:
    return bool(
        await conn.fetchval(
            "select true from juror_links where juror_id = $1 and nomination_id = $2",
            juror_id,
            nomination_id,
        )
    )


async def juror_by_subject(
    conn: asyncpg.Connection, edition_id: uuid.UUID, subject: str
) -> Row | None:
    return await conn.fetchrow(
        "select * from jurors where edition_id = $1 and subject = $2", edition_id, subject
    )


async def jury_progress(conn: asyncpg.Connection, edition_id: uuid.UUID) -> list[Row]:
    """Per juror: accepted candidacies they may see, and their decisions on them."""
    return await conn.fetch(
        """with eligible as (
               select j.id as juror_id, n.id as nomination_id from jurors j
               join nominations n on n.edition_id = j.edition_id and n.status = 'accepted'
               where j.edition_id = $1
                 and not exists (select 1 from juror_links l where l.juror_id = j.id and l.nomination_id = n.id))
           select j.id, j.subject, j.name, j.email, j.language, j.appointed_at,
                  (select count(*) from eligible e where e.juror_id = j.id) as eligible,
                  (select count(*) from scorecards s join eligible e using (juror_id, nomination_id)
                    where s.juror_id = j.id and not s.recused) as scored,
                  (select count(*) from scorecards s join eligible e using (juror_id, nomination_id)
                    where s.juror_id = j.id and s.recused) as recused
           from jurors j where j.edition_id = $1 order by j.appointed_at, j.subject""",
        edition_id,
    )


async def nominations_for_juror(
    conn: asyncpg.Connection, edition_id: uuid.UUID, juror_id: uuid.UUID
) -> list[Row]:
    return await conn.fetch(
        """select n.id, n.reference, n.candidate_name, s.recused
           from nominations n left join scorecards s on s.nomination_id = n.id and s.juror_id = $2
           where n.edition_id = $1 and n.status = 'accepted'
             and not exists (select 1 from juror_links l where l.juror_id = $2 and l.nomination_id = n.id)
           order by n.seq""",
        edition_id,
        juror_id,
    )


# --- scorecards ----------------------------------------------------------------------------


async def scorecard(
    conn: asyncpg.Connection, juror_id: uuid.UUID, nomination_id: uuid.UUID
) -> Row | None:
    return await conn.fetchrow(
        "select * from scorecards where juror_id = $1 and nomination_id = $2",
        juror_id,
        nomination_id,
    )


async def insert_scorecard(conn: asyncpg.Connection, **f: Any) -> bool:
    inserted = await conn.fetchval(
        """insert into scorecards (juror_id, nomination_id, scores, comment, recused, submitted_at)
           values ($1, $2, $3::jsonb, $4, $5, $6) on conflict do nothing returning true""",
        f["juror_id"],
        f["nomination_id"],
        None if f["scores"] is None else json.dumps(f["scores"]),
        f["comment"],
        f["recused"],
        f["submitted_at"],
    )
    return bool(inserted)


async def scorecards_of_nomination(conn: asyncpg.Connection, nomination_id: uuid.UUID) -> list[Row]:
    return await conn.fetch(
        """select s.*, j.name as juror_name from scorecards s join jurors j on j.id = s.juror_id
           where s.nomination_id = $1 order by s.submitted_at""",
        nomination_id,
    )


async def scorecards_of_edition(conn: asyncpg.Connection, edition_id: uuid.UUID) -> list[Row]:
    """Every decision on the edition's accepted candidacies."""
    return await conn.fetch(
        """select s.juror_id, s.nomination_id, s.scores from scorecards s
           join nominations n on n.id = s.nomination_id
           where n.edition_id = $1 and n.status = 'accepted'""",
        edition_id,
    )


def decode_scores(raw: Any) -> dict[str, int] | None:
    if raw is None:
        return None
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


# --- the Mayor's meetings ------------------------------------------------------------------


async def insert_meeting(conn: asyncpg.Connection, **f: Any) -> None:
    await conn.execute(
        """insert into mayor_meetings (id, edition_id, held_on, place, notes, recorded_by)
           values ($1, $2, $3, $4, $5, $6)""",
        f["id"],
        f["edition_id"],
        f["held_on"],
        f["place"],
        f["notes"],
        f["recorded_by"],
    )
    await conn.executemany(
        "insert into mayor_meeting_attendance (meeting_id, nomination_id) values ($1, $2)",
        [(f["id"], n) for n in f["present"]],
    )


async def meetings(
    conn: asyncpg.Connection, edition_id: uuid.UUID
) -> list[tuple[Row, list[uuid.UUID]]]:
    rows = await conn.fetch(
        "select id, held_on, place from mayor_meetings where edition_id = $1 order by held_on, recorded_at",
        edition_id,
    )
    result = []
    for row in rows:
        present = await conn.fetch(
            "select nomination_id from mayor_meeting_attendance where meeting_id = $1 order by nomination_id",
            row["id"],
        )
        result.append((row, [p["nomination_id"] for p in present]))
    return result


# --- reminders -----------------------------------------------------------------------------


async def editions_in_jury_phase(conn: asyncpg.Connection, now: datetime) -> list[Row]:
    return await conn.fetch(
        "select * from editions where published_at is null and jury_deadline_at > $1 order by jury_deadline_at",
        now,
    )


async def claim_reminder(conn: asyncpg.Connection, juror_id: uuid.UUID, days_before: int) -> bool:
    return bool(
        await conn.fetchval(
            "insert into jury_reminders (juror_id, days_before) values ($1, $2) on conflict do nothing returning true",
            juror_id,
            days_before,
        )
    )


async def editions_of_juror(conn: asyncpg.Connection, subject: str) -> list[Row]:
    """The editions whose jury the signed-in subject sits on, latest first."""
    return await conn.fetch(
        """select e.* from editions e join jurors j on j.edition_id = e.id
           where j.subject = $1 order by e.year desc, e.nominations_close_at desc""",
        subject,
    )


# --- the coordinator's changes to an edition and its jury -----------------------------------


async def update_edition(conn: asyncpg.Connection, edition_id: uuid.UUID, **f: Any) -> None:
    await conn.execute(
        """update editions set nominations_close_at = $2, jury_deadline_at = $3, titles = $4,
                               title = $5, title_i18n = $6::jsonb, description = $7,
                               description_i18n = $8::jsonb
           where id = $1""",
        edition_id,
        f["nominations_close_at"],
        f["jury_deadline_at"],
        f["titles"],
        *_edition_texts(f["texts"]),
    )


async def replace_criteria(conn: asyncpg.Connection, edition_id: uuid.UUID, criteria: Any) -> None:
    await conn.execute("delete from criteria where edition_id = $1", edition_id)
    await conn.executemany(
        """insert into criteria (edition_id, key, name, name_i18n, weight, position)
           values ($1, $2, $3, $4::jsonb, $5, $6)""",
        [
            (edition_id, c.key, c.name.strip(), encode_i18n(c.name_i18n), c.weight, i)
            for i, c in enumerate(criteria)
        ],
    )


async def set_criteria_translations(
    conn: asyncpg.Connection, edition_id: uuid.UUID, criteria: Any
) -> None:
    """Only the criteria's translated names (they may change after scoring: the jury scored
    against the original)."""
    await conn.executemany(
        "update criteria set name_i18n = $3::jsonb where edition_id = $1 and key = $2",
        [(edition_id, c.key, encode_i18n(c.name_i18n)) for c in criteria],
    )


async def set_nominations_close(
    conn: asyncpg.Connection, edition_id: uuid.UUID, close_at: datetime
) -> None:
    await conn.execute(
        "update editions set nominations_close_at = $2 where id = $1", edition_id, close_at
    )


async def scorecards_count(conn: asyncpg.Connection, edition_id: uuid.UUID) -> int:
    return await conn.fetchval(
        """select count(*) from scorecards s join jurors j on j.id = s.juror_id
           where j.edition_id = $1""",
        edition_id,
    )


async def subject_of_address(conn: asyncpg.Connection, email: str) -> str | None:
    """The subject this schema already holds for a juror's address (the latest appointment)."""
    return await conn.fetchval(
        "select subject from jurors where email = $1 order by appointed_at desc limit 1", email
    )


async def juror_by_email(conn: asyncpg.Connection, edition_id: uuid.UUID, email: str) -> Row | None:
    return await conn.fetchrow(
        "select * from jurors where edition_id = $1 and email = $2", edition_id, email
    )


async def juror(conn: asyncpg.Connection, juror_id: uuid.UUID) -> Row | None:
    return await conn.fetchrow("select * from jurors where id = $1 for update", juror_id)


async def decisions_of_juror(conn: asyncpg.Connection, juror_id: uuid.UUID) -> int:
    return await conn.fetchval("select count(*) from scorecards where juror_id = $1", juror_id)


async def delete_juror(conn: asyncpg.Connection, juror_id: uuid.UUID) -> None:
    await conn.execute("delete from juror_links where juror_id = $1", juror_id)
    await conn.execute("delete from jury_reminders where juror_id = $1", juror_id)
    await conn.execute("delete from jurors where id = $1", juror_id)


async def scorecards_with_jurors(conn: asyncpg.Connection, edition_id: uuid.UUID) -> list[Row]:
    """Every decision of the edition's jurors (the coordinator's ranking: scores per juror)."""
    return await conn.fetch(
        """select s.juror_id, s.nomination_id, s.scores, s.recused from scorecards s
           join jurors j on j.id = s.juror_id where j.edition_id = $1""",
        edition_id,
    )


# --- who a person is here, and their open work (shared.people) ------------------------------


async def seats_of_address(conn: asyncpg.Connection, email: str) -> list[Row]:
    """Juror seats of an address in editions whose results are not published yet."""
    return await conn.fetch(
        """select j.subject, j.name, j.language, e.year, e.id as edition_id
           from jurors j join editions e on e.id = j.edition_id
           where j.email = $1 and e.published_at is null
           order by e.year desc, e.nominations_close_at desc""",
        email,
    )


async def pending_of_subject(conn: asyncpg.Connection, subject: str) -> list[Row]:
    """Per unpublished edition the subject judges: candidacies they have not decided, and the
    jury deadline."""
    return await conn.fetch(
        """select e.id, e.jury_deadline_at, count(n.id) as pending
           from jurors j join editions e on e.id = j.edition_id
           join nominations n on n.edition_id = e.id and n.status = 'accepted'
           where j.subject = $1 and e.published_at is null
             and not exists (select 1 from juror_links l
                             where l.juror_id = j.id and l.nomination_id = n.id)
             and not exists (select 1 from scorecards s
                             where s.juror_id = j.id and s.nomination_id = n.id)
           group by e.id, e.jury_deadline_at""",
        subject,
    )


async def unpublished_editions(conn: asyncpg.Connection) -> list[Row]:
    return await conn.fetch(
        "select * from editions where published_at is null order by jury_deadline_at"
    )
