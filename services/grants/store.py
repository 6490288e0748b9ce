"""SQL of the small-grants service: the only place that knows its tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

Conn = asyncpg.Connection


# --- Organisations ----------------------------------------------------------------------


async def organisation(conn: Conn, org_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from organisations where id = $1", org_id)


async def organisation_by_nip(conn: Conn, nip: str) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from organisations where nip = $1", nip)


async def insert_organisation(conn: Conn, **f: Any) -> asyncpg.Record:
    return await conn.fetchrow(
        """insert into organisations (id, name, nip, krs, kind, email, phone, language)
           values ($1,$2,$3,$4,$5,$6,$7,$8) returning *""",
        f["id"],
        f["name"],
        f["nip"],
        f["krs"],
        f["kind"],
        f["email"],
        f["phone"],
        f["language"],
    )


async def add_representative(
    conn: Conn,
    org_id: uuid.UUID,
    subject: str,
    *,
    email: str | None = None,
    name: str | None = None,
    language: str = "pl",
) -> None:
    await conn.execute(
        """insert into representatives (organisation_id, subject, email, name, language)
           values ($1,$2,$3,$4,$5) on conflict do nothing""",
        org_id,
        subject,
        email,
        name,
        language,
    )


async def represented_organisations(conn: Conn, subject: str) -> list[uuid.UUID]:
    rows = await conn.fetch(
        "select organisation_id from representatives where subject = $1 order by added_at", subject
    )
    return [r["organisation_id"] for r in rows]


async def is_representative(conn: Conn, org_id: uuid.UUID, subject: str) -> bool:
    return bool(
        await conn.fetchval(
            "select true from representatives where organisation_id = $1 and subject = $2",
            org_id,
            subject,
        )
    )


async def representatives_by_email(conn: Conn, email: str) -> list[asyncpg.Record]:
    """Whom an address represents: subject, name, language and the organisation's id and name."""
    return await conn.fetch(
        """select r.subject, r.organisation_id, r.name, r.language, o.name as organisation
           from representatives r join organisations o on o.id = r.organisation_id
           where r.email = $1 order by r.added_at, r.organisation_id""",
        email,
    )


async def representatives_of(conn: Conn, org_id: uuid.UUID) -> list[asyncpg.Record]:
    """The representatives of an organisation with an address to write to."""
    return await conn.fetch(
        """select subject, email, name, language from representatives
           where organisation_id = $1 and email is not null order by added_at, subject""",
        org_id,
    )


async def organisations_by_name(conn: Conn, words: str, limit: int = 20) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select id, name, nip from organisations where name ilike '%' || $1 || '%'
           order by name, id limit $2""",
        words.replace("\\", "").replace("%", "").replace("_", ""),
        limit,
    )


async def pending_registration(conn: Conn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select * from registrations where email = $1 and completed_at is null for update", email
    )


async def registration_of(conn: Conn, subject: str) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from registrations where subject = $1 for update", subject)


async def save_registration(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into registrations (subject, email, name, language, requested_at)
           values ($1,$2,$3,$4,$5)
           on conflict (subject) do update set name = $3, language = $4, requested_at = $5""",
        f["subject"],
        f["email"],
        f["name"],
        f["language"],
        f["requested_at"],
    )


async def complete_registration(conn: Conn, subject: str, org_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "update registrations set completed_at = $3, organisation_id = $2 where subject = $1",
        subject,
        org_id,
        at,
    )


async def purge_registrations(conn: Conn, before: datetime) -> int:
    """Forget registrations and join requests never completed (their people's data)."""
    gone = await conn.fetchval(
        """with r as (delete from registrations where completed_at is null and requested_at < $1
                      returning 1) select count(*) from r""",
        before,
    )
    gone += await conn.fetchval(
        """with j as (delete from join_requests where confirmed_at is null and requested_at < $1
                      returning 1) select count(*) from j""",
        before,
    )
    return int(gone)


async def subject_for_email(conn: Conn, email: str) -> str | None:
    """The subject this service already knows for an address (one person, one subject)."""
    return await conn.fetchval(
        """select subject from (
               select subject, added_at as at from representatives where email = $1
               union all select subject, requested_at from registrations where email = $1
               union all select subject, requested_at from join_requests where email = $1
           ) s order by at limit 1""",
        email,
    )


async def open_join_request(conn: Conn, org_id: uuid.UUID, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select * from join_requests where organisation_id = $1 and email = $2
           and decided_at is null for update""",
        org_id,
        email,
    )


async def insert_join_request(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into join_requests (id, organisation_id, subject, email, name, language,
               requested_at) values ($1,$2,$3,$4,$5,$6,$7)""",
        f["id"],
        f["organisation_id"],
        f["subject"],
        f["email"],
        f["name"],
        f["language"],
        f["requested_at"],
    )


async def refresh_join_request(
    conn: Conn, request_id: uuid.UUID, name: str, language: str, at: datetime
) -> None:
    await conn.execute(
        "update join_requests set name = $2, language = $3, requested_at = $4 where id = $1",
        request_id,
        name,
        language,
        at,
    )


async def join_request(
    conn: Conn, request_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    sql = """select j.*, o.name as organisation from join_requests j
             join organisations o on o.id = j.organisation_id where j.id = $1"""
    return await conn.fetchrow(sql + (" for update of j" if for_update else ""), request_id)


async def confirm_join_request(conn: Conn, request_id: uuid.UUID, at: datetime) -> None:
    await conn.execute("update join_requests set confirmed_at = $2 where id = $1", request_id, at)


async def decide_join_request(
    conn: Conn, request_id: uuid.UUID, approved: bool, by: str, at: datetime
) -> None:
    await conn.execute(
        "update join_requests set decided_at = $4, approved = $2, decided_by = $3 where id = $1",
        request_id,
        approved,
        by,
        at,
    )


async def join_requests_to_decide(conn: Conn, org_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select j.*, o.name as organisation from join_requests j
           join organisations o on o.id = j.organisation_id
           where j.organisation_id = any($1::uuid[]) and j.confirmed_at is not null
             and j.decided_at is null order by j.confirmed_at, j.id""",
        org_ids,
    )


async def ngo_work(
    conn: Conn, org_ids: list[uuid.UUID], now: datetime, today: date
) -> asyncpg.Record:
    """What the representatives of these organisations have open: drafts of calls still open,
    final reports due (and of those overdue), confirmed join requests to decide."""
    return await conn.fetchrow(
        """select
             (select count(*) from applications a join calls c on c.id = a.call_id
               where a.organisation_id = any($1::uuid[]) and a.status = 'draft'
                 and c.closes_at > $2) as drafts,
             (select count(*) from awards w join applications a on a.id = w.application_id
               where a.organisation_id = any($1::uuid[])
                 and not exists (select 1 from reports r where r.application_id = w.application_id)
             ) as reports_due,
             (select count(*) from awards w join applications a on a.id = w.application_id
               where a.organisation_id = any($1::uuid[]) and w.report_due_on < $3
                 and not exists (select 1 from reports r where r.application_id = w.application_id)
             ) as reports_overdue,
             (select count(*) from join_requests j where j.organisation_id = any($1::uuid[])
               and j.confirmed_at is not null and j.decided_at is null) as joins""",
        org_ids,
        now,
        today,
    )


async def award_and_report(conn: Conn, app_id: uuid.UUID) -> tuple[Any, Any]:
    award = await conn.fetchrow("select * from awards where application_id = $1", app_id)
    report = await conn.fetchrow("select * from reports where application_id = $1", app_id)
    return award, report


# --- Calls ------------------------------------------------------------------------------


async def insert_call(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into calls (id, title, description, translations, currency, budget_total,
               max_per_grant, opens_at, closes_at, eligible_kinds, objectives,
               evaluators_per_application, allow_partial_funding, report_due_on, created_by)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)""",
        f["id"],
        f["title"],
        f["description"],
        msgspec.json.encode(f["translations"]).decode(),
        f["currency"],
        f["budget_total"],
        f["max_per_grant"],
        f["opens_at"],
        f["closes_at"],
        f["eligible_kinds"],
        f["objectives"],
        f["evaluators_per_application"],
        f["allow_partial_funding"],
        f["report_due_on"],
        f["created_by"],
    )
    await conn.executemany(
        "insert into criteria (call_id, position, key, name, weight, max_points) values ($1,$2,$3,$4,$5,$6)",
        [(f["id"], i, c.key, c.name, c.weight, c.max_points) for i, c in enumerate(f["criteria"])],
    )


async def call(
    conn: Conn, call_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    if for_update:
        return await conn.fetchrow("select * from calls where id = $1 for update", call_id)
    return await conn.fetchrow("select * from calls where id = $1", call_id)


async def criteria(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("select * from criteria where call_id = $1 order by position", call_id)


async def list_calls(conn: Conn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        "select * from calls order by closes_at desc, id limit $1 offset $2", limit, offset
    )
    return rows, await conn.fetchval("select count(*) from calls")


# --- Applications -----------------------------------------------------------------------


async def insert_application(conn: Conn, **f: Any) -> None:
    await conn.execute(
        """insert into applications (id, call_id, organisation_id, title, summary, objectives,
               requested, currency, budget_lines, created_by)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)""",
        f["id"],
        f["call_id"],
        f["organisation_id"],
        f["title"],
        f["summary"],
        f["objectives"],
        f["requested"],
        f["currency"],
        msgspec.json.encode(f["budget_lines"]).decode(),
        f["created_by"],
    )


async def update_draft(conn: Conn, app_id: uuid.UUID, **f: Any) -> None:
    await conn.execute(
        """update applications set title=$2, summary=$3, objectives=$4, requested=$5, currency=$6,
               budget_lines=$7, updated_at=now() where id=$1""",
        app_id,
        f["title"],
        f["summary"],
        f["objectives"],
        f["requested"],
        f["currency"],
        msgspec.json.encode(f["budget_lines"]).decode(),
    )


async def application(
    conn: Conn, app_id: uuid.UUID, *, for_update: bool = False
) -> asyncpg.Record | None:
    sql = """select a.*, w.amount as award_amount from applications a
             left join awards w on w.application_id = a.id where a.id = $1"""
    if for_update:
        sql += " for update of a"
    return await conn.fetchrow(sql, app_id)


async def mark_submitted(conn: Conn, app_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "update applications set status='submitted', submitted_at=$2, updated_at=now() where id=$1",
        app_id,
        at,
    )


async def mark_withdrawn(conn: Conn, app_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "update applications set status='withdrawn', withdrawn_at=$2, updated_at=now() where id=$1",
        app_id,
        at,
    )


async def record_formal_check(
    conn: Conn, app_id: uuid.UUID, eligible: bool, reason: str | None, by: str, at: datetime
) -> None:
    await conn.execute(
        """update applications set status=$2, formal_eligible=$3, formal_reason=$4,
               formal_checked_by=$5, formal_checked_at=$6, updated_at=now() where id=$1""",
        app_id,
        "eligible" if eligible else "ineligible",
        eligible,
        reason,
        by,
        at,
    )


async def applications_of_org(
    conn: Conn, org_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        """select a.*, w.amount as award_amount from applications a
           left join awards w on w.application_id = a.id
           where a.organisation_id = $1 order by a.created_at desc limit $2 offset $3""",
        org_id,
        limit,
        offset,
    )
    total = await conn.fetchval(
        "select count(*) from applications where organisation_id = $1", org_id
    )
    return rows, total


async def applications_of_call(
    conn: Conn, call_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        """select a.*, w.amount as award_amount, o.name as organisation_name,
               (select count(*) from assignments s where s.application_id = a.id
                  and not s.conflict_of_interest) as evaluators,
               (select count(*) from assignments s where s.application_id = a.id
                  and s.submitted_at is not null and not s.conflict_of_interest) as evaluations_done
           from applications a join organisations o on o.id = a.organisation_id
           left join awards w on w.application_id = a.id
           where a.call_id = $1 and a.status <> 'draft'
           order by a.submitted_at nulls last, a.id limit $2 offset $3""",
        call_id,
        limit,
        offset,
    )
    total = await conn.fetchval(
        "select count(*) from applications where call_id = $1 and status <> 'draft'", call_id
    )
    return rows, total


async def status_counts(conn: Conn, call_id: uuid.UUID) -> dict[str, int]:
    rows = await conn.fetch(
        "select status, count(*) as n from applications where call_id = $1 group by status", call_id
    )
    return {r["status"]: r["n"] for r in rows}


# --- Evaluators and assignments ---------------------------------------------------------


async def insert_evaluator(conn: Conn, **f: Any) -> bool:
    return bool(
        await conn.fetchval(
            """insert into evaluators (id, call_id, subject, name, email, linked_organisations)
           values ($1,$2,$3,$4,$5,$6) on conflict (call_id, subject) do nothing returning true""",
            f["id"],
            f["call_id"],
            f["subject"],
            f["name"],
            f["email"],
            f["linked_organisations"],
        )
    )


async def pool_with_load(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select e.id, e.linked_organisations,
               (select count(*) from assignments s where s.evaluator_id = e.id
                  and not s.conflict_of_interest) as load
           from evaluators e where e.call_id = $1""",
        call_id,
    )


async def applications_needing_evaluators(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select a.id, a.organisation_id,
               count(s.evaluator_id) filter (where not s.conflict_of_interest) as active,
               coalesce(array_agg(s.evaluator_id) filter (where s.evaluator_id is not null), '{}') as excluded
           from applications a left join assignments s on s.application_id = a.id
           where a.call_id = $1 and a.status = 'eligible'
           group by a.id""",
        call_id,
    )


async def insert_assignments(
    conn: Conn, pairs: list[tuple[uuid.UUID, uuid.UUID]], at: datetime
) -> None:
    await conn.executemany(
        "insert into assignments (application_id, evaluator_id, assigned_at) values ($1,$2,$3)",
        [(a, e, at) for a, e in pairs],
    )


async def assignment_of(conn: Conn, app_id: uuid.UUID, subject: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """select s.*, e.subject from assignments s join evaluators e on e.id = s.evaluator_id
           where s.application_id = $1 and e.subject = $2 for update of s""",
        app_id,
        subject,
    )


async def record_conflict(
    conn: Conn, app_id: uuid.UUID, evaluator_id: uuid.UUID, at: datetime
) -> None:
    await conn.execute(
        """update assignments set conflict_of_interest = true, submitted_at = $3
           where application_id = $1 and evaluator_id = $2""",
        app_id,
        evaluator_id,
        at,
    )


async def record_scores(
    conn: Conn,
    app_id: uuid.UUID,
    evaluator_id: uuid.UUID,
    scores: dict[str, int],
    score: Any,
    comment: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        """update assignments set scores = $3, score = $4, comment = $5, submitted_at = $6
           where application_id = $1 and evaluator_id = $2""",
        app_id,
        evaluator_id,
        msgspec.json.encode(scores).decode(),
        score,
        comment,
        at,
    )


async def evaluations_of(conn: Conn, app_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "select * from assignments where application_id = $1 order by assigned_at, evaluator_id",
        app_id,
    )


async def queue_of(
    conn: Conn, subject: str, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    base = """from assignments s join evaluators e on e.id = s.evaluator_id
              join applications a on a.id = s.application_id join calls c on c.id = a.call_id
              where e.subject = $1"""
    rows = await conn.fetch(
        f"""select s.application_id, a.call_id, c.title as call_title, a.title, s.assigned_at,
               s.submitted_at, s.conflict_of_interest {base}
            order by (s.submitted_at is null) desc, s.assigned_at, s.application_id limit $2 offset $3""",
        subject,
        limit,
        offset,
    )
    return rows, await conn.fetchval(f"select count(*) {base}", subject)


async def evaluated_candidates(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    """Eligible applications with their completed, non-conflicted evaluation scores."""
    return await conn.fetch(
        """select a.id, a.title, a.requested, a.submitted_at,
               coalesce(array_agg(s.score) filter (where s.score is not null), '{}') as scores,
               count(*) filter (where s.submitted_at is null) as pending
           from applications a left join assignments s on s.application_id = a.id
           where a.call_id = $1 and a.status = 'eligible'
           group by a.id""",
        call_id,
    )


# --- Decision and awards ----------------------------------------------------------------


async def insert_awards(
    conn: Conn,
    call_id: uuid.UUID,
    rows: list[tuple[Any, ...]],
    currency: str,
    due: date,
    at: datetime,
) -> None:
    await conn.executemany(
        """insert into awards (application_id, call_id, amount, currency, rank, score, report_due_on, awarded_at)
           values ($1,$2,$3,$4,$5,$6,$7,$8)""",
        [
            (app_id, call_id, amount, currency, rank, score, due, at)
            for app_id, amount, rank, score in rows
        ],
    )


async def close_decision(
    conn: Conn, call_id: uuid.UUID, awarded: list[uuid.UUID], at: datetime
) -> None:
    await conn.execute(
        "update applications set status='awarded', updated_at=now() where id = any($1::uuid[])",
        awarded,
    )
    await conn.execute(
        """update applications set status='not_awarded', updated_at=now()
           where call_id=$1 and status='eligible' and not (id = any($2::uuid[]))""",
        call_id,
        awarded,
    )
    await conn.execute("update calls set decision_published_at=$2 where id=$1", call_id, at)


async def applicants_to_notify(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select a.id, a.title, a.status, a.organisation_id, o.email, o.language, w.amount,
               w.currency, w.report_due_on
           from applications a join organisations o on o.id = a.organisation_id
           left join awards w on w.application_id = a.id
           where a.call_id = $1 and a.status in ('awarded', 'not_awarded')""",
        call_id,
    )


async def published_awards(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select w.application_id, w.amount, w.currency, w.rank, a.title, o.name as organisation
           from awards w join applications a on a.id = w.application_id
           join organisations o on o.id = a.organisation_id
           where w.call_id = $1 order by w.rank""",
        call_id,
    )


# --- Reports ----------------------------------------------------------------------------


async def award_for_update(conn: Conn, app_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from awards where application_id = $1 for update", app_id)


async def insert_report(conn: Conn, **f: Any) -> bool:
    return bool(
        await conn.fetchval(
            """insert into reports (application_id, activities, participants_reached, spent, currency, submitted_by, submitted_at)
           values ($1,$2,$3,$4,$5,$6,$7) on conflict do nothing returning true""",
            f["application_id"],
            f["activities"],
            f["participants_reached"],
            f["spent"],
            f["currency"],
            f["submitted_by"],
            f["submitted_at"],
        )
    )


async def report(conn: Conn, app_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from reports where application_id = $1", app_id)


async def claim_overdue(
    conn: Conn, today: date, at: datetime, limit: int = 500
) -> list[asyncpg.Record]:
    """Mark awards whose report is overdue and unflagged as flagged; return them with contacts."""
    return await conn.fetch(
        """with due as (
               select w.application_id from awards w
               where w.overdue_flagged_at is null and w.report_due_on < $1
                 and not exists (select 1 from reports r where r.application_id = w.application_id)
               order by w.report_due_on limit $3 for update skip locked)
           update awards w set overdue_flagged_at = $2 from due, applications a, organisations o
           where w.application_id = due.application_id and a.id = w.application_id
             and o.id = a.organisation_id
           returning w.application_id, w.report_due_on, a.title, a.organisation_id, o.email,
                     o.language""",
        today,
        at,
        limit,
    )
