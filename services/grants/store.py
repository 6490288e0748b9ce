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
        """insert into calls (id, title, description, title_i18n, currency, budget_total,
               max_per_grant, opens_at, closes_at, eligible_kinds, objectives,
               evaluators_per_application, allow_partial_funding, report_due_on, created_by,
               formal_check_due_on, evaluation_due_on, description_i18n)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)""",
        f["id"],
        f["title"],
        f["description"],
        f["title_i18n"],
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
        f["formal_check_due_on"],
        f["evaluation_due_on"],
        f["description_i18n"],
    )
    await insert_criteria(conn, f["id"], f["criteria"])


async def insert_criteria(conn: Conn, call_id: uuid.UUID, criteria: list[Any]) -> None:
    await conn.executemany(
        """insert into criteria (call_id, position, key, name, weight, max_points, name_i18n)
           values ($1,$2,$3,$4,$5,$6,$7)""",
        [
            (
                call_id,
                i,
                c.key,
                c.name,
                c.weight,
                c.max_points,
                c.names(),
            )
            for i, c in enumerate(criteria)
        ],
    )


async def update_call(conn: Conn, **f: Any) -> None:
    """Replace an announced call's texts, figures, dates and criteria."""
    await conn.execute(
        """update calls set title=$2, description=$3, title_i18n=$4, currency=$5,
               budget_total=$6, max_per_grant=$7, opens_at=$8, closes_at=$9, eligible_kinds=$10,
               objectives=$11, evaluators_per_application=$12, allow_partial_funding=$13,
               report_due_on=$14, formal_check_due_on=$15, evaluation_due_on=$16,
               description_i18n=$17
           where id=$1""",
        f["id"],
        f["title"],
        f["description"],
        f["title_i18n"],
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
        f["formal_check_due_on"],
        f["evaluation_due_on"],
        f["description_i18n"],
    )
    await conn.execute("delete from criteria where call_id = $1", f["id"])
    await insert_criteria(conn, f["id"], f["criteria"])


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
    conn: Conn,
    app_id: uuid.UUID,
    eligible: bool,
    reason: str | None,
    by: str,
    at: datetime,
    findings: list[dict[str, Any]] | None = None,
) -> None:
    await conn.execute(
        """update applications set status=$2, formal_eligible=$3, formal_reason=$4,
               formal_checked_by=$5, formal_checked_at=$6, formal_findings=$7, updated_at=now()
           where id=$1""",
        app_id,
        "eligible" if eligible else "ineligible",
        eligible,
        reason,
        by,
        at,
        None if findings is None else msgspec.json.encode(findings).decode(),
    )


async def awaiting_formal_check(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    """Submitted applications of a call not yet formally checked, oldest first, with their
    organisation."""
    return await conn.fetch(
        """select a.*, o.name as organisation_name, o.kind as organisation_kind
           from applications a join organisations o on o.id = a.organisation_id
           where a.call_id = $1 and a.status = 'submitted'
           order by a.submitted_at, a.id""",
        call_id,
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


async def insert_evaluator(conn: Conn, **f: Any) -> uuid.UUID | None:
    """The evaluator's id: a new row, or one removed earlier back in the pool (same id); None
    when this subject is in the call's pool already."""
    return await conn.fetchval(
        """insert into evaluators (id, call_id, subject, name, email, linked_organisations, language)
           values ($1,$2,$3,$4,$5,$6,$7)
           on conflict (call_id, subject) do update
               set name = excluded.name, email = excluded.email,
                   linked_organisations = excluded.linked_organisations,
                   language = excluded.language, removed_at = null
               where evaluators.removed_at is not null
           returning id""",
        f["id"],
        f["call_id"],
        f["subject"],
        f["name"],
        f["email"],
        f["linked_organisations"],
        f["language"],
    )


async def evaluator_subject(conn: Conn, email: str) -> str | None:
    """The subject already stored for this address in any call's pool (one person, one subject)."""
    return await conn.fetchval(
        """select subject from evaluators where lower(email) = lower($1)
           order by joined_at, id limit 1""",
        email,
    )


async def evaluator(conn: Conn, evaluator_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from evaluators where id = $1 for update", evaluator_id)


async def remove_evaluator(conn: Conn, evaluator_id: uuid.UUID, at: datetime) -> int:
    """Take the evaluator out of the pool; their assignments not yet evaluated are dropped (the
    number dropped). Evaluations they made stay."""
    await conn.execute("update evaluators set removed_at = $2 where id = $1", evaluator_id, at)
    dropped = await conn.fetch(
        """delete from assignments where evaluator_id = $1 and submitted_at is null
           returning application_id""",
        evaluator_id,
    )
    return len(dropped)


async def pool(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    """A call's evaluators in the pool, with their assignments (to do, done)."""
    return await conn.fetch(
        """select e.id, e.subject, e.name, e.email, e.language, e.joined_at,
               count(s.application_id) filter (where not s.conflict_of_interest) as assigned,
               count(s.application_id) filter (where s.submitted_at is not null
                   and not s.conflict_of_interest) as done,
               count(s.application_id) filter (where s.conflict_of_interest) as conflicts,
               coalesce(array_agg(a.title order by a.title) filter (
                   where s.application_id is not null and not s.conflict_of_interest), '{}')
                   as titles
           from evaluators e left join assignments s on s.evaluator_id = e.id
           left join applications a on a.id = s.application_id
           where e.call_id = $1 and e.removed_at is null
           group by e.id order by e.joined_at, e.id""",
        call_id,
    )


async def evaluator_memberships(conn: Conn, email: str) -> list[asyncpg.Record]:
    """Pools this address is in, of calls open or in evaluation (opened, not decided)."""
    return await conn.fetch(
        """select e.subject, e.name, e.language, c.title, c.title_i18n
           from evaluators e join calls c on c.id = e.call_id
           where lower(e.email) = lower($1) and e.removed_at is null
             and c.decision_published_at is null and c.opens_at <= now()
           order by c.closes_at, c.id""",
        email,
    )


async def evaluations_to_do(conn: Conn, subject: str, today: date) -> tuple[int, int]:
    """(to do, of them past the call's evaluation date) of an evaluator."""
    row = await conn.fetchrow(
        """select count(*) as n,
               count(*) filter (where c.evaluation_due_on < $2) as overdue
           from assignments s join evaluators e on e.id = s.evaluator_id
           join applications a on a.id = s.application_id join calls c on c.id = a.call_id
           where e.subject = $1 and s.submitted_at is null and a.status = 'eligible'
             and c.decision_published_at is null""",
        subject,
        today,
    )
    return row["n"], row["overdue"]


async def coordinator_work(conn: Conn, today: date) -> dict[str, Any]:
    """What awaits the coordinator: formal checks (and overdue ones), reports to review, calls
    to decide, each with the one call concerned when there is only one."""
    checks = await conn.fetchrow(
        """select count(*) as n,
               count(*) filter (where c.formal_check_due_on < $1) as overdue,
               min(c.id::text) as first_call, count(distinct c.id) as calls
           from applications a join calls c on c.id = a.call_id where a.status = 'submitted'""",
        today,
    )
    reports = await conn.fetchrow(
        """select count(*) as n, min(r.application_id::text) as first
           from reports r where r.review is null"""
    )
    decide = await conn.fetchrow(
        """select count(*) as n, min(c.id::text) as first from calls c
           where c.decision_published_at is null and c.closes_at <= now()
             and exists (select 1 from applications a where a.call_id = c.id
                         and a.status in ('submitted', 'eligible'))"""
    )
    return {"checks": checks, "reports": reports, "decide": decide}


async def pool_with_load(conn: Conn, call_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """select e.id, e.linked_organisations,
               (select count(*) from assignments s where s.evaluator_id = e.id
                  and not s.conflict_of_interest) as load
           from evaluators e where e.call_id = $1 and e.removed_at is null""",
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
    comments: dict[str, str] | None = None,
) -> None:
    await conn.execute(
        """update assignments set scores = $3, score = $4, comment = $5, submitted_at = $6,
               comments = $7
           where application_id = $1 and evaluator_id = $2""",
        app_id,
        evaluator_id,
        msgspec.json.encode(scores).decode(),
        score,
        comment,
        at,
        msgspec.json.encode(comments).decode() if comments else None,
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
               s.submitted_at, s.conflict_of_interest, c.evaluation_due_on {base}
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


async def public_calls(conn: Conn, limit: int = 200) -> list[asyncpg.Record]:
    """Every call, for the public list (the pages group them by state): the latest first."""
    return await conn.fetch("select * from calls order by closes_at desc, id limit $1", limit)


async def public_awards(conn: Conn, call_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    """The published awards of these (decided) calls: organisation name, project title, amount.
    Nothing about the people who applied."""
    return await conn.fetch(
        """select w.call_id, w.application_id, w.amount, w.currency, w.rank, a.title,
                  o.name as organisation
           from awards w join calls c on c.id = w.call_id
           join applications a on a.id = w.application_id
           join organisations o on o.id = a.organisation_id
           where w.call_id = any($1::uuid[]) and c.decision_published_at is not null
           order by w.call_id, w.rank""",
        call_ids,
    )


# --- Reports ----------------------------------------------------------------------------


async def award_for_update(conn: Conn, app_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select * from awards where application_id = $1 for update", app_id)


async def insert_report(conn: Conn, **f: Any) -> bool:
    """Store the final report; a report the city returned is replaced by the corrected one
    (and awaits review again). False: a report is in already and not returned."""
    return bool(
        await conn.fetchval(
            """insert into reports (application_id, activities, participants_reached, spent, currency, submitted_by, submitted_at)
           values ($1,$2,$3,$4,$5,$6,$7)
           on conflict (application_id) do update
               set activities = excluded.activities,
                   participants_reached = excluded.participants_reached,
                   spent = excluded.spent, currency = excluded.currency,
                   submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at,
                   review = null, review_comment = null, reviewed_at = null, reviewed_by = null
               where reports.review = 'returned'
           returning true""",
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


async def report_for_review(conn: Conn, app_id: uuid.UUID) -> asyncpg.Record | None:
    """A final report with its application and organisation, locked for the review."""
    return await conn.fetchrow(
        """select r.*, a.title, a.call_id, a.organisation_id, a.created_by,
               o.email, o.language, w.amount, w.currency as award_currency
           from reports r join applications a on a.id = r.application_id
           join organisations o on o.id = a.organisation_id
           join awards w on w.application_id = r.application_id
           where r.application_id = $1 for update of r""",
        app_id,
    )


async def report_view(conn: Conn, app_id: uuid.UUID) -> asyncpg.Record | None:
    """A final report with its application, organisation and award, to read."""
    return await conn.fetchrow(
        """select r.*, a.title, a.summary, a.call_id, o.name as organisation_name,
               w.amount, w.currency as award_currency
           from reports r join applications a on a.id = r.application_id
           join organisations o on o.id = a.organisation_id
           join awards w on w.application_id = r.application_id
           where r.application_id = $1""",
        app_id,
    )


async def record_review(
    conn: Conn, app_id: uuid.UUID, review: str, comment: str | None, by: str, at: datetime
) -> None:
    await conn.execute(
        """update reports set review = $2, review_comment = $3, reviewed_by = $4, reviewed_at = $5
           where application_id = $1""",
        app_id,
        review,
        comment,
        by,
        at,
    )


async def reports_to_review(conn: Conn, call_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
    """Final reports submitted and not yet reviewed (of one call, or of all), oldest first."""
    return await conn.fetch(
        """select r.*, a.title, a.call_id, o.name as organisation_name, w.amount,
               w.currency as award_currency
           from reports r join applications a on a.id = r.application_id
           join organisations o on o.id = a.organisation_id
           join awards w on w.application_id = r.application_id
           where r.review is null and ($1::uuid is null or a.call_id = $1)
           order by r.submitted_at, r.application_id""",
        call_id,
    )


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
