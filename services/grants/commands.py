"""What people do in the programme, one function per command, shared by the API and the pages.

Each command runs inside the caller's transaction and returns what it produced plus the events
to write; the caller adds those to the outbox as the transaction's last statement.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from fractions import Fraction
from typing import Any

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException

from services.grants import domain, store
from services.grants.refusals import (
    Reasons,
    Refusal,
    Status,
    field_exception,
    field_refusal,
    refusal,
)
from services.grants.schemas import (
    ApplicationIn,
    CallIn,
    EvaluationIn,
    EvaluatorIn,
    FormalCheckIn,
    OrganisationIn,
    ReportIn,
)
from shared.auth import Principal
from shared.events import Envelope, new_event
from shared.events import catalogue as ev
from shared.http import Conflict
from shared.logs import correlation_id

PRODUCER = "grants"
Conn = Any


def event(payload: Any) -> Envelope:
    return new_event(payload, producer=PRODUCER, correlation_id=correlation_id.get())


# --- Organisations ----------------------------------------------------------------------


async def register_organisation(
    conn: Conn, who: Principal, data: OrganisationIn, now: datetime
) -> tuple[uuid.UUID, list[Envelope]]:
    """Register an organisation; the caller becomes its representative.

    A token that already names an organisation (`org` claim, e.g. issued by the coordinator with
    `openkrakow token --role ngo --org <new id>`) registers that very id; otherwise a new id is
    made and the caller's subject is bound to it, so their later tokens act for it.
    """
    if problem := domain.nip_problem(data.nip):
        raise field_exception(problem)
    if data.krs and (problem := domain.krs_problem(data.krs)):
        raise field_exception(problem)
    nip = domain.normalise_nip(data.nip)
    if await store.organisation_by_nip(conn, nip):
        raise refusal(Conflict, "organisation.nip_registered")
    org_id = who.org or uuid.uuid4()
    if who.org and await store.organisation(conn, who.org):
        raise refusal(Conflict, "organisation.already_registered")
    await store.insert_organisation(
        conn,
        id=org_id,
        name=data.name.strip(),
        nip=nip,
        krs=data.krs.strip() if data.krs else None,
        kind=data.kind,
        email=data.email.strip().lower(),
        phone=data.phone,
        language=data.language,
    )
    await store.add_representative(conn, org_id, who.subject)
    return org_id, [
        event(
            ev.GrantsOrganisationRegistered(
                organisation_id=org_id, kind=data.kind, registered_at=now
            )
        )
    ]


async def acting_organisation(conn: Conn, who: Principal) -> Any:
    """The organisation an `ngo` caller acts for: the token's `org`, else the one it registered."""
    if who.org is not None:
        org = await store.organisation(conn, who.org)
    else:
        orgs = await store.represented_organisations(conn, who.subject)
        org = await store.organisation(conn, orgs[0]) if len(orgs) == 1 else None
        if len(orgs) > 1:
            raise refusal(PermissionDeniedException, "organisation.several")
    if org is None:
        raise refusal(PermissionDeniedException, "organisation.not_registered")
    return org


# --- Calls ------------------------------------------------------------------------------


def call_status(row: Any, now: datetime) -> str:
    if row["decision_published_at"]:
        return "decided"
    if now < row["opens_at"]:
        return "announced"
    return "open" if now < row["closes_at"] else "closed"


async def create_call(
    conn: Conn, who: Principal, data: CallIn, now: datetime
) -> tuple[uuid.UUID, list[Envelope]]:
    currency = data.budget_total.currency
    if data.max_per_grant.currency != currency:
        raise field_refusal("max_per_grant.currency", "call.maximum_currency", currency=currency)
    if data.budget_total.amount <= 0:
        raise field_refusal("budget_total.amount", "call.budget_not_positive")
    if not 0 < data.max_per_grant.amount <= data.budget_total.amount:
        raise field_refusal("max_per_grant.amount", "call.maximum_out_of_range")
    if data.closes_at <= data.opens_at:
        raise field_refusal("closes_at", "call.closes_before_opening")
    if data.closes_at <= now:
        raise field_refusal("closes_at", "call.closes_in_past")
    keys = [c.key for c in data.criteria]
    if len(set(keys)) != len(keys):
        raise field_refusal("criteria", "call.criteria_keys_repeated")
    if len(set(data.objectives)) != len(data.objectives):
        raise field_refusal("objectives", "call.objectives_repeated")
    due = data.report_due_on or domain.default_report_due(data.closes_at)
    if due <= domain.warsaw_today(data.closes_at):
        raise field_refusal("report_due_on", "call.report_due_too_early")
    call_id = uuid.uuid4()
    await store.insert_call(
        conn,
        id=call_id,
        title=data.title.strip(),
        description=data.description,
        translations={k: msgspec.to_builtins(v) for k, v in data.translations.items()},
        currency=currency,
        budget_total=data.budget_total.amount,
        max_per_grant=data.max_per_grant.amount,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        eligible_kinds=sorted(set(data.eligible_kinds)),
        objectives=sorted(data.objectives),
        evaluators_per_application=data.evaluators_per_application,
        allow_partial_funding=data.allow_partial_funding,
        report_due_on=due,
        criteria=data.criteria,
        created_by=who.subject,
    )
    published = ev.GrantsCallPublished(
        call_id=call_id,
        budget_total=data.budget_total,
        max_per_grant=data.max_per_grant,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        objectives=sorted(data.objectives),
    )
    return call_id, [event(published)]


async def existing_call(conn: Conn, call_id: uuid.UUID, *, for_update: bool = False) -> Any:
    row = await store.call(conn, call_id, for_update=for_update)
    if row is None:
        raise refusal(NotFoundException, "call.not_found", call_id=call_id)
    return row


def domain_criteria(rows: list[Any]) -> list[domain.Criterion]:
    return [domain.Criterion(r["key"], Fraction(r["weight"]), r["max_points"]) for r in rows]


# --- Applications -----------------------------------------------------------------------


def _check_application(call: Any, data: ApplicationIn) -> None:
    currency = call["currency"]
    for i, line in enumerate(data.budget_lines):
        if line.amount.currency != currency:
            raise field_refusal(
                f"budget_lines[{i}].amount.currency", "application.currency", currency=currency
            )
        if line.amount.amount <= 0:
            raise field_refusal(f"budget_lines[{i}].amount.amount", "application.line_not_positive")
    if data.requested.currency != currency:
        raise field_refusal("requested.currency", "application.currency", currency=currency)
    outside = sorted(set(data.objectives) - set(call["objectives"]))
    if outside:
        raise field_refusal(
            "objectives",
            "application.objectives_outside_call",
            served=sorted(call["objectives"]),
            outside=outside,
        )
    problem = domain.budget_problem(
        data.requested.amount,
        [line.amount.amount for line in data.budget_lines],
        call["max_per_grant"],
        currency,
    )
    if problem:
        raise field_exception(problem)


def _application_fields(data: ApplicationIn) -> dict[str, Any]:
    return {
        "title": data.title.strip(),
        "summary": data.summary.strip(),
        "objectives": sorted(set(data.objectives)),
        "requested": data.requested.amount,
        "currency": data.requested.currency,
        "budget_lines": [msgspec.to_builtins(line) for line in data.budget_lines],
    }


async def create_application(
    conn: Conn, who: Principal, call_id: uuid.UUID, data: ApplicationIn, now: datetime
) -> uuid.UUID:
    org = await acting_organisation(conn, who)
    call = await existing_call(conn, call_id)
    if call["decision_published_at"] or now >= call["closes_at"]:
        raise refusal(Conflict, "application.call_closed", deadline=call["closes_at"])
    if org["kind"] not in call["eligible_kinds"]:
        raise refusal(Conflict, "application.kind_not_eligible", kind=org["kind"])
    _check_application(call, data)
    app_id = uuid.uuid4()
    await store.insert_application(
        conn,
        id=app_id,
        call_id=call_id,
        organisation_id=org["id"],
        created_by=who.subject,
        **_application_fields(data),
    )
    return app_id


async def own_application(
    conn: Conn, who: Principal, app_id: uuid.UUID, *, for_update: bool = False
) -> Any:
    """The application, when the caller acts for its organisation (403 otherwise)."""
    row = await store.application(conn, app_id, for_update=for_update)
    if row is None:
        raise refusal(NotFoundException, "application.not_found", application_id=app_id)
    org = await acting_organisation(conn, who)
    if row["organisation_id"] != org["id"]:
        raise refusal(PermissionDeniedException, "application.other_organisation")
    return row


async def update_application(
    conn: Conn, who: Principal, app_id: uuid.UUID, data: ApplicationIn, now: datetime
) -> None:
    row = await own_application(conn, who, app_id, for_update=True)
    if row["status"] != "draft":
        raise refusal(Conflict, "application.not_editable", status=Status(row["status"]))
    call = await existing_call(conn, row["call_id"])
    if now >= call["closes_at"]:
        raise refusal(Conflict, "application.deadline_passed", deadline=call["closes_at"])
    _check_application(call, data)
    await store.update_draft(conn, app_id, **_application_fields(data))


async def submit_application(
    conn: Conn, who: Principal, app_id: uuid.UUID, now: datetime
) -> list[Envelope]:
    row = await own_application(conn, who, app_id, for_update=True)
    if row["status"] != "draft":
        raise refusal(Conflict, "application.already_sent", status=Status(row["status"]))
    call = await existing_call(conn, row["call_id"])
    if reason := domain.submission_problem(call["opens_at"], call["closes_at"], now):
        raise refusal(Conflict, reason.code, **reason.params)
    org = await store.organisation(conn, row["organisation_id"])
    await store.mark_submitted(conn, app_id, now)
    return [
        event(
            ev.GrantsApplicationSubmitted(
                application_id=app_id,
                call_id=row["call_id"],
                organisation_kind=org["kind"],
                requested=ev.Money(row["requested"], row["currency"]),
                submitted_at=now,
            )
        )
    ]


async def withdraw_application(
    conn: Conn, who: Principal, app_id: uuid.UUID, now: datetime
) -> list[Envelope]:
    row = await own_application(conn, who, app_id, for_update=True)
    if row["status"] not in ("draft", "submitted", "eligible"):
        raise refusal(Conflict, "application.not_withdrawable", status=Status(row["status"]))
    await store.mark_withdrawn(conn, app_id, now)
    if row["status"] == "draft":
        return []  # nothing was ever announced about a draft
    return [
        event(
            ev.GrantsApplicationWithdrawn(
                application_id=app_id, call_id=row["call_id"], withdrawn_at=now
            )
        )
    ]


# --- Evaluation -------------------------------------------------------------------------


async def fill_assignments(conn: Conn, call: Any, now: datetime) -> list[Envelope]:
    """Top every eligible application up to the call's number of evaluators, balancing load."""
    pool = [
        domain.Evaluator(r["id"], frozenset(r["linked_organisations"]), r["load"])
        for r in await store.pool_with_load(conn, call["id"])
    ]
    needs = [
        domain.NeedsEvaluators(r["id"], r["organisation_id"], r["active"], frozenset(r["excluded"]))
        for r in await store.applications_needing_evaluators(conn, call["id"])
    ]
    plan = domain.plan_assignments(needs, pool, call["evaluators_per_application"])
    await store.insert_assignments(conn, plan, now)
    return [
        event(ev.GrantsEvaluatorAssigned(application_id=a, evaluator_id=e, assigned_at=now))
        for a, e in plan
    ]


async def add_evaluator(
    conn: Conn, call_id: uuid.UUID, data: EvaluatorIn, now: datetime
) -> tuple[uuid.UUID, list[Envelope]]:
    call = await existing_call(conn, call_id, for_update=True)
    if call["decision_published_at"]:
        raise refusal(Conflict, "evaluators.decision_published")
    evaluator_id = uuid.uuid4()
    inserted = await store.insert_evaluator(
        conn,
        id=evaluator_id,
        call_id=call_id,
        subject=data.subject,
        name=data.name.strip(),
        email=data.email.strip().lower(),
        linked_organisations=sorted(set(data.linked_organisations)),
    )
    if not inserted:
        raise refusal(Conflict, "evaluators.already_in_pool", subject=data.subject)
    return evaluator_id, await fill_assignments(conn, call, now)


async def formal_check(
    conn: Conn, who: Principal, app_id: uuid.UUID, data: FormalCheckIn, now: datetime
) -> tuple[Any, list[Envelope]]:
    reason = (data.reason or "").strip() or None
    if not data.eligible and not reason:
        raise field_refusal("reason", "formal_check.reason_required")
    row = await store.application(conn, app_id, for_update=True)
    if row is None:
        raise refusal(NotFoundException, "application.not_found", application_id=app_id)
    call = await existing_call(conn, row["call_id"], for_update=True)
    if row["status"] != "submitted":
        raise refusal(Conflict, "formal_check.not_submitted", status=Status(row["status"]))
    await store.record_formal_check(conn, app_id, data.eligible, reason, who.subject, now)
    events = [
        event(
            ev.GrantsFormalCheckCompleted(
                application_id=app_id, eligible=data.eligible, checked_at=now
            )
        )
    ]
    if data.eligible:
        events += await fill_assignments(conn, call, now)
    return row, events


async def evaluate(
    conn: Conn, who: Principal, app_id: uuid.UUID, data: EvaluationIn, now: datetime
) -> tuple[Fraction | None, list[Envelope]]:
    row = await store.application(conn, app_id, for_update=True)
    if row is None:
        raise refusal(NotFoundException, "application.not_found", application_id=app_id)
    assignment = await store.assignment_of(conn, app_id, who.subject)
    if assignment is None:
        raise refusal(PermissionDeniedException, "evaluation.not_assigned")
    if assignment["submitted_at"] is not None:
        raise refusal(Conflict, "evaluation.already_submitted")
    if row["status"] != "eligible":
        raise refusal(Conflict, "evaluation.over", status=Status(row["status"]))
    call = await existing_call(conn, row["call_id"], for_update=True)
    evaluator_id = assignment["evaluator_id"]
    if data.conflict_of_interest:
        if data.scores:
            raise field_refusal("scores", "evaluation.scores_with_conflict")
        await store.record_conflict(conn, app_id, evaluator_id, now)
        done = ev.GrantsEvaluationSubmitted(
            application_id=app_id,
            evaluator_id=evaluator_id,
            conflict_of_interest=True,
            submitted_at=now,
        )
        return None, [event(done), *await fill_assignments(conn, call, now)]
    if data.scores is None:
        raise field_refusal("scores", "evaluation.scores_missing")
    criteria = domain_criteria(await store.criteria(conn, call["id"]))
    if problem := domain.scores_problem(criteria, data.scores):
        raise field_exception(problem)
    score = domain.evaluation_score(criteria, data.scores)
    await store.record_scores(
        conn,
        app_id,
        evaluator_id,
        data.scores,
        _numeric(score),
        (data.comment or "").strip() or None,
        now,
    )
    done = ev.GrantsEvaluationSubmitted(
        application_id=app_id,
        evaluator_id=evaluator_id,
        conflict_of_interest=False,
        submitted_at=now,
    )
    return score, [event(done)]


def _numeric(value: Fraction) -> Any:
    """A Fraction as an exact-enough decimal for storage (20 significant places)."""
    from decimal import Context, Decimal

    return Context(prec=28).divide(Decimal(value.numerator), Decimal(value.denominator))


# --- Ranking and decision ---------------------------------------------------------------


async def ranking(
    conn: Conn, call: Any, now: datetime
) -> tuple[list[domain.Candidate], list[Refusal], dict[uuid.UUID, str]]:
    """The ranked candidates, what still blocks a decision, and the titles."""
    rows = await store.evaluated_candidates(conn, call["id"])
    counts = await store.status_counts(conn, call["id"])
    per_app = call["evaluators_per_application"]
    blocking: list[Refusal] = []
    if now < call["closes_at"]:
        blocking.append(Refusal("ranking.call_open", {"closes": call["closes_at"]}))
    if counts.get("submitted"):
        blocking.append(Refusal("ranking.formal_check_pending", {"count": counts["submitted"]}))
    short = [r for r in rows if r["pending"] or len(r["scores"]) < per_app]
    if short:
        blocking.append(
            Refusal(
                "ranking.evaluations_missing", {"count": len(short), "per_application": per_app}
            )
        )
    candidates = [
        domain.Candidate(
            r["id"],
            domain.application_score([Fraction(s) for s in r["scores"]]) or Fraction(0),
            r["requested"],
            r["submitted_at"],
        )
        for r in rows
    ]
    return domain.rank(candidates), blocking, {r["id"]: r["title"] for r in rows}


async def decide(
    conn: Conn,
    call_id: uuid.UUID,
    adjusted: dict[uuid.UUID, int] | None,
    currency: str | None,
    now: datetime,
) -> tuple[list[domain.Award], Any, list[Envelope]]:
    call = await existing_call(conn, call_id, for_update=True)
    if call["decision_published_at"]:
        raise refusal(Conflict, "decision.already_published")
    ranked, blocking, _ = await ranking(conn, call, now)
    if blocking:
        raise refusal(Conflict, "decision.not_ready", reasons=Reasons(blocking))
    if adjusted is None:
        awards = domain.allocate(
            ranked,
            call["budget_total"],
            call["max_per_grant"],
            partial=call["allow_partial_funding"],
        )
    else:
        if currency is not None and currency != call["currency"]:
            raise field_refusal("awards", "decision.currency", currency=call["currency"])
        requested = {c.application_id: c.requested for c in ranked}
        if problem := domain.adjusted_awards_problem(
            adjusted, requested, call["budget_total"], call["max_per_grant"], call["currency"]
        ):
            raise field_exception(problem)
        positions = {c.application_id: i for i, c in enumerate(ranked, start=1)}
        awards = sorted(
            (domain.Award(a, amount, positions[a]) for a, amount in adjusted.items()),
            key=lambda w: w.rank,
        )
    scores = {c.application_id: c.score for c in ranked}
    await store.insert_awards(
        conn,
        call_id,
        [(w.application_id, w.amount, w.rank, _numeric(scores[w.application_id])) for w in awards],
        call["currency"],
        call["report_due_on"],
        now,
    )
    await store.close_decision(conn, call_id, [w.application_id for w in awards], now)
    money = lambda amount: ev.Money(amount, call["currency"])  # noqa: E731
    events = [
        event(
            ev.GrantsGrantAwarded(
                application_id=w.application_id,
                call_id=call_id,
                amount=money(w.amount),
                rank=w.rank,
                awarded_at=now,
            )
        )
        for w in awards
    ]
    events.append(
        event(
            ev.GrantsDecisionPublished(
                call_id=call_id,
                awarded_count=len(awards),
                awarded_total=money(sum(w.amount for w in awards)),
                published_at=now,
            )
        )
    )
    return awards, call, events


# --- Reports ----------------------------------------------------------------------------


async def submit_report(
    conn: Conn, who: Principal, app_id: uuid.UUID, data: ReportIn, now: datetime
) -> list[Envelope]:
    await own_application(conn, who, app_id)
    award = await store.award_for_update(conn, app_id)
    if award is None:
        raise refusal(Conflict, "report.not_awarded")
    if data.spent.currency != award["currency"]:
        raise field_refusal("spent.currency", "report.currency", currency=award["currency"])
    if not await store.insert_report(
        conn,
        application_id=app_id,
        activities=data.activities.strip(),
        participants_reached=data.participants_reached,
        spent=data.spent.amount,
        currency=data.spent.currency,
        submitted_by=who.subject,
        submitted_at=now,
    ):
        raise refusal(Conflict, "report.already_submitted")
    return [
        event(
            ev.GrantsReportSubmitted(
                application_id=app_id,
                participants_reached=data.participants_reached,
                spent=data.spent,
                submitted_at=now,
            )
        )
    ]
