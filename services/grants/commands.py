"""What people (and the overdue job) do in the programme: one function per use case, shared by
the API, the pages and the jobs. Each runs in one `UnitOfWork`: the change, its events (outbox,
written last), its mails (sent after commit) and the caller's Idempotency-Key (claimed after the
caller is authorised for the object, so another organisation replaying a key gets its own 403).
A refusal is `shared.refusals.Refused` with a code of services/grants/refusals.py: nothing changes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import msgspec

from services.grants import commands_ngo, domain, mails, store
from services.grants.queries import (
    acting_organisation,
    domain_criteria,
    existing_call,
    money,
    own_application,
    ranked,
)
from services.grants.refusals import Reasons, Status
from services.grants.schemas import (
    ApplicationCreated,
    ApplicationIn,
    AwardOut,
    CallIn,
    Created,
    DecisionIn,
    DecisionOut,
    EvaluationIn,
    EvaluatorCreated,
    EvaluatorIn,
    EvaluatorRemoved,
    FormalCheckIn,
    FormalCheckOut,
    OrganisationIn,
    ReportIn,
    ReportReviewIn,
    StatusOut,
)
from shared import addresses, content, people
from shared.auth import Principal
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.idempotency import Claimed, Replay
from shared.people import invitation_link
from shared.refusals import Kind, Refused, conflict, forbidden, invalid, not_found
from shared.unit_of_work import UnitOfWork

SCHEMA = "grants"
PRODUCER = "grants"


def _problem(refused: Any) -> Refused:
    """The refusal a rule found (domain.*_problem), naming its field."""
    return Refused(Kind.INVALID, refused)


# --- Organisations ----------------------------------------------------------------------


async def register_organisation(
    runtime: Any,
    who: Principal,
    data: OrganisationIn,
    *,
    requested: Claimed | None = None,
    now: datetime | None = None,
) -> Created | Replay:
    """Register an organisation; the caller becomes its representative.

    A token that already names an organisation (`org` claim, e.g. issued by the coordinator with
    `openkrakow token --role ngo --org <new id>`) registers that very id; otherwise a new id is
    made and the caller's subject is bound to it, so their later tokens act for it.
    """
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        if problem := domain.nip_problem(data.nip):
            raise _problem(problem)
        if data.krs and (problem := domain.krs_problem(data.krs)):
            raise _problem(problem)
        nip = domain.normalise_nip(data.nip)
        # Someone who registered on the public page: they become the representative by the
        # name, address and language they gave there (a lapsed registration is refused).
        registration = await commands_ngo.registration_for(conn, who, now)
        if await store.organisation_by_nip(conn, nip):
            raise conflict("organisation.nip_registered")
        org_id = who.org or uuid.uuid4()
        if who.org and await store.organisation(conn, who.org):
            raise conflict("organisation.already_registered")
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
        if registration is not None:
            person = {
                "email": registration["email"],
                "name": registration["name"],
                "language": registration["language"],
            }
            await store.complete_registration(conn, who.subject, org_id, now)
        else:  # an API caller: known by the address they gave for the organisation
            person = {"email": addresses.normalise(data.email), "language": data.language}
        await store.add_representative(conn, org_id, who.subject, **person)
        uow.emit(
            ev.GrantsOrganisationRegistered(
                organisation_id=org_id, kind=data.kind, registered_at=now
            )
        )
        answer = Created(id=org_id)
        await uow.remember(201, answer)
    return answer


# --- Calls ------------------------------------------------------------------------------


def _check_call(data: CallIn, now: datetime) -> dict[str, date | None]:
    """The call's due dates (report, formal check, evaluation), once its figures and dates hold
    together."""
    currency = data.budget_total.currency
    if data.max_per_grant.currency != currency:
        raise invalid("max_per_grant.currency", "call.maximum_currency", currency=currency)
    if data.budget_total.amount <= 0:
        raise invalid("budget_total.amount", "call.budget_not_positive")
    if not 0 < data.max_per_grant.amount <= data.budget_total.amount:
        raise invalid("max_per_grant.amount", "call.maximum_out_of_range")
    if data.closes_at <= data.opens_at:
        raise invalid("closes_at", "call.closes_before_opening")
    if data.closes_at <= now:
        raise invalid("closes_at", "call.closes_in_past")
    keys = [c.key for c in data.criteria]
    if len(set(keys)) != len(keys):
        raise invalid("criteria", "call.criteria_keys_repeated")
    if len(set(data.objectives)) != len(data.objectives):
        raise invalid("objectives", "call.objectives_repeated")
    due = data.report_due_on or domain.default_report_due(data.closes_at)
    if due <= domain.warsaw_today(data.closes_at):
        raise invalid("report_due_on", "call.report_due_too_early")
    closing_day = domain.warsaw_today(data.closes_at)
    if data.formal_check_due_on is not None and data.formal_check_due_on < closing_day:
        raise invalid("formal_check_due_on", "call.check_due_before_closing")
    evaluation_due = data.evaluation_due_on or domain.default_evaluation_due(data.closes_at)
    if evaluation_due < closing_day:
        raise invalid("evaluation_due_on", "call.evaluation_due_before_closing")
    return {
        "report_due_on": due,
        "formal_check_due_on": data.formal_check_due_on,
        "evaluation_due_on": evaluation_due,
    }


def _call_fields(data: CallIn, now: datetime) -> dict[str, Any]:
    """The call's row from what the coordinator gave (checked)."""
    title_i18n, description_i18n = data.texts_i18n()
    return {
        "title": data.title.strip(),
        "description": data.description,
        "title_i18n": title_i18n,
        "description_i18n": description_i18n,
        "currency": data.budget_total.currency,
        "budget_total": data.budget_total.amount,
        "max_per_grant": data.max_per_grant.amount,
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "eligible_kinds": sorted(set(data.eligible_kinds)),
        "objectives": sorted(data.objectives),
        "evaluators_per_application": data.evaluators_per_application,
        "allow_partial_funding": data.allow_partial_funding,
        "criteria": data.criteria,
        **_check_call(data, now),
    }


async def create_call(
    runtime: Any,
    who: Principal,
    data: CallIn,
    *,
    requested: Claimed | None = None,
    now: datetime | None = None,
) -> Created | Replay:
    """Publish a call for proposals: budget, maximum per grant, dates, criteria, evaluators."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        fields = _call_fields(data, now)
        call_id = uuid.uuid4()
        await store.insert_call(uow.conn, id=call_id, created_by=who.subject, **fields)
        uow.emit(
            ev.GrantsCallPublished(
                call_id=call_id,
                budget_total=data.budget_total,
                max_per_grant=data.max_per_grant,
                opens_at=data.opens_at,
                closes_at=data.closes_at,
                objectives=sorted(data.objectives),
            )
        )
        answer = Created(id=call_id)
        await uow.remember(201, answer)
    return answer


async def update_call(
    runtime: Any, who: Principal, call_id: uuid.UUID, data: CallIn, *, now: datetime | None = None
) -> StatusOut:
    """Change an announced call (texts, figures, dates, criteria) until it opens; from then on
    applicants rely on it as published."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        call = await existing_call(uow.conn, call_id, for_update=True)
        if call["decision_published_at"] or now >= call["opens_at"]:
            raise conflict("call.already_open", opens=call["opens_at"])
        await store.update_call(uow.conn, id=call_id, **_call_fields(data, now))
    return StatusOut(status="announced" if now < data.opens_at else "open")


# --- Applications -----------------------------------------------------------------------


def _check_application(call: Any, data: ApplicationIn) -> None:
    currency = call["currency"]
    for i, line in enumerate(data.budget_lines):
        if line.amount.currency != currency:
            raise invalid(
                f"budget_lines[{i}].amount.currency", "application.currency", currency=currency
            )
        if line.amount.amount <= 0:
            raise invalid(f"budget_lines[{i}].amount.amount", "application.line_not_positive")
    if data.requested.currency != currency:
        raise invalid("requested.currency", "application.currency", currency=currency)
    outside = sorted(set(data.objectives) - set(call["objectives"]))
    if outside:
        raise invalid(
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
        raise _problem(problem)


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
    runtime: Any,
    who: Principal,
    call_id: uuid.UUID,
    data: ApplicationIn,
    *,
    requested: Claimed | None = None,
    now: datetime | None = None,
) -> ApplicationCreated | Replay:
    """Start a draft application of the caller's organisation in an open call."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        org = await acting_organisation(conn, who)  # before any replay: a stranger's 403
        if replay := await uow.claim(requested):
            return replay
        call = await existing_call(conn, call_id)
        if call["decision_published_at"] or now >= call["closes_at"]:
            raise conflict("application.call_closed", deadline=call["closes_at"])
        if org["kind"] not in call["eligible_kinds"]:
            raise conflict("application.kind_not_eligible", kind=org["kind"])
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
        answer = ApplicationCreated(id=app_id, status="draft")
        await uow.remember(201, answer)
    return answer


async def update_application(
    runtime: Any,
    who: Principal,
    app_id: uuid.UUID,
    data: ApplicationIn,
    *,
    now: datetime | None = None,
) -> StatusOut:
    """Replace a draft's content before the deadline (submitted applications are frozen)."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await own_application(uow.conn, who, app_id, for_update=True)
        if row["status"] != "draft":
            raise conflict("application.not_editable", status=Status(row["status"]))
        call = await existing_call(uow.conn, row["call_id"])
        if now >= call["closes_at"]:
            raise conflict("application.deadline_passed", deadline=call["closes_at"])
        _check_application(call, data)
        await store.update_draft(uow.conn, app_id, **_application_fields(data))
    return StatusOut(status="draft")


async def submit_application(
    runtime: Any, who: Principal, app_id: uuid.UUID, *, now: datetime | None = None
) -> StatusOut:
    """Submit a draft before the deadline (server time)."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await own_application(uow.conn, who, app_id, for_update=True)
        if row["status"] != "draft":
            raise conflict("application.already_sent", status=Status(row["status"]))
        call = await existing_call(uow.conn, row["call_id"])
        if reason := domain.submission_problem(call["opens_at"], call["closes_at"], now):
            raise Refused(Kind.CONFLICT, reason)
        org = await store.organisation(uow.conn, row["organisation_id"])
        await store.mark_submitted(uow.conn, app_id, now)
        uow.emit(
            ev.GrantsApplicationSubmitted(
                application_id=app_id,
                call_id=row["call_id"],
                organisation_kind=org["kind"],
                requested=ev.Money(row["requested"], row["currency"]),
                submitted_at=now,
            )
        )
    return StatusOut(status="submitted")


async def withdraw_application(
    runtime: Any, who: Principal, app_id: uuid.UUID, *, now: datetime | None = None
) -> StatusOut:
    """Withdraw an application until the decision is published."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        row = await own_application(uow.conn, who, app_id, for_update=True)
        if row["status"] not in ("draft", "submitted", "eligible"):
            raise conflict("application.not_withdrawable", status=Status(row["status"]))
        await store.mark_withdrawn(uow.conn, app_id, now)
        if row["status"] != "draft":  # nothing was ever announced about a draft
            uow.emit(
                ev.GrantsApplicationWithdrawn(
                    application_id=app_id, call_id=row["call_id"], withdrawn_at=now
                )
            )
    return StatusOut(status="withdrawn")


# --- Evaluation -------------------------------------------------------------------------


async def _fill_assignments(uow: UnitOfWork, call: Any, now: datetime) -> int:
    """Top every eligible application up to the call's number of evaluators, balancing load."""
    conn = uow.conn
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
    for a, e in plan:
        uow.emit(ev.GrantsEvaluatorAssigned(application_id=a, evaluator_id=e, assigned_at=now))
    return len(plan)


async def add_evaluator(
    runtime: Any,
    call_id: uuid.UUID,
    data: EvaluatorIn,
    *,
    requested: Claimed | None = None,
    now: datetime | None = None,
) -> EvaluatorCreated | Replay:
    """Add an evaluator to the call's pool (or back to it), top assignments up at once and
    invite them by mail, in their language, with a sign-in link to their evaluations.

    Without a `subject` the person keeps the one already stored for their address in any pool
    (one person, one subject), else gets a new one (`shared.people.new_subject`)."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        if replay := await uow.claim(requested):
            return replay
        conn = uow.conn
        call = await existing_call(conn, call_id, for_update=True)
        if call["decision_published_at"]:
            raise conflict("evaluators.decision_published")
        email = data.email.strip().lower()
        subject = data.subject or await store.evaluator_subject(conn, email) or people.new_subject()
        evaluator_id = await store.insert_evaluator(
            conn,
            id=uuid.uuid4(),
            call_id=call_id,
            subject=subject,
            name=data.name.strip(),
            email=email,
            linked_organisations=sorted(set(data.linked_organisations)),
            language=data.language,
        )
        if evaluator_id is None:
            raise conflict("evaluators.already_in_pool", subject=subject)
        assigned = await _fill_assignments(uow, call, now)
        await mails.evaluator_invitation(
            uow,
            runtime.settings,
            to=email,
            lang=data.language,
            name=data.name.strip(),
            call_title=_call_title(call, data.language),
            due_on=call["evaluation_due_on"],
            link=people.invitation_link(
                runtime, subject=subject, role="evaluator", next="/grants/evaluate"
            ),
        )
        answer = EvaluatorCreated(id=evaluator_id, assigned=assigned)
        await uow.remember(201, answer)
    return answer


def _call_title(call: Any, lang: str) -> str:
    """The call's title in `lang` where the coordinator wrote one, else as published."""
    return content.shown(call["title"], "pl", call["title_i18n"], lang).text


async def remove_evaluator(
    runtime: Any, call_id: uuid.UUID, evaluator_id: uuid.UUID, *, now: datetime | None = None
) -> EvaluatorRemoved:
    """Take an evaluator out of a call's pool before the decision: what they have not evaluated
    yet goes to others in the pool (evaluations they made stay)."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        call = await existing_call(conn, call_id, for_update=True)
        if call["decision_published_at"]:
            raise conflict("evaluators.decision_published")
        row = await store.evaluator(conn, evaluator_id)
        if row is None or row["call_id"] != call_id or row["removed_at"] is not None:
            raise not_found("evaluators.not_found", evaluator_id=evaluator_id)
        await store.remove_evaluator(conn, evaluator_id, now)
        reassigned = await _fill_assignments(uow, call, now)
    return EvaluatorRemoved(reassigned=reassigned)


async def formal_check(
    runtime: Any,
    who: Principal,
    app_id: uuid.UUID,
    data: FormalCheckIn,
    *,
    now: datetime | None = None,
) -> FormalCheckOut:
    """Record the formal check: eligible applications get their evaluators at once, the
    organisation of an ineligible one is told why by mail."""
    now = now or utcnow()
    reason = (data.reason or "").strip() or None
    findings = None
    if data.findings is not None:
        findings = [
            {
                "criterion": f.criterion,
                "passed": f.passed,
                "reason": (f.reason or "").strip() or None,
            }
            for f in data.findings
        ]
        if problem := domain.findings_problem(
            data.eligible, [(f["criterion"], f["passed"], f["reason"]) for f in findings]
        ):
            raise _problem(problem)
    elif not data.eligible and not reason:
        raise invalid("reason", "formal_check.reason_required")
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.application(conn, app_id, for_update=True)
        if row is None:
            raise not_found("application.not_found", application_id=app_id)
        call = await existing_call(conn, row["call_id"], for_update=True)
        if row["status"] != "submitted":
            raise conflict("formal_check.not_submitted", status=Status(row["status"]))
        await store.record_formal_check(
            conn, app_id, data.eligible, reason, who.subject, now, findings
        )
        uow.emit(
            ev.GrantsFormalCheckCompleted(
                application_id=app_id, eligible=data.eligible, checked_at=now
            )
        )
        assigned = 0
        if data.eligible:
            assigned = await _fill_assignments(uow, call, now)
        org = await store.organisation(conn, row["organisation_id"])
        page = f"/grants/applications/{app_id}"
        for to, lang, link in await _recipients(
            uow, row["organisation_id"], org["email"], org["language"], page
        ):
            if data.eligible:
                await mails.eligible(
                    uow, runtime.settings, to=to, lang=lang, title=row["title"], link=link
                )
            else:
                await mails.ineligible(
                    uow,
                    runtime.settings,
                    to=to,
                    lang=lang,
                    title=row["title"],
                    reason=reason or "",
                    findings=[f for f in findings or [] if not f["passed"]],
                    link=link,
                )
    return FormalCheckOut(
        status="eligible" if data.eligible else "ineligible", evaluators_assigned=assigned
    )


async def evaluate(
    runtime: Any,
    who: Principal,
    app_id: uuid.UUID,
    data: EvaluationIn,
    *,
    now: datetime | None = None,
) -> Fraction | None:
    """An assigned evaluator's scores (the evaluation's score), or a declared conflict of
    interest (None: another evaluator takes the place)."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.application(conn, app_id, for_update=True)
        if row is None:
            raise not_found("application.not_found", application_id=app_id)
        assignment = await store.assignment_of(conn, app_id, who.subject)
        if assignment is None:
            raise forbidden("evaluation.not_assigned")
        if assignment["submitted_at"] is not None:
            raise conflict("evaluation.already_submitted")
        if row["status"] != "eligible":
            raise conflict("evaluation.over", status=Status(row["status"]))
        call = await existing_call(conn, row["call_id"], for_update=True)
        evaluator_id = assignment["evaluator_id"]
        if data.conflict_of_interest:
            if data.scores:
                raise invalid("scores", "evaluation.scores_with_conflict")
            await store.record_conflict(conn, app_id, evaluator_id, now)
            uow.emit(
                ev.GrantsEvaluationSubmitted(
                    application_id=app_id,
                    evaluator_id=evaluator_id,
                    conflict_of_interest=True,
                    submitted_at=now,
                )
            )
            await _fill_assignments(uow, call, now)
            return None
        if data.scores is None:
            raise invalid("scores", "evaluation.scores_missing")
        criteria = domain_criteria(await store.criteria(conn, call["id"]))
        if problem := domain.scores_problem(criteria, data.scores):
            raise _problem(problem)
        comments = {k: v.strip() for k, v in (data.comments or {}).items() if v.strip()}
        keys = {c.key for c in criteria}
        if unknown := sorted(set(comments) - keys):
            raise invalid(f"comments.{unknown[0]}", "evaluation.unknown_criterion")
        score = domain.evaluation_score(criteria, data.scores)
        await store.record_scores(
            conn,
            app_id,
            evaluator_id,
            data.scores,
            _numeric(score),
            (data.comment or "").strip() or None,
            now,
            comments,
        )
        uow.emit(
            ev.GrantsEvaluationSubmitted(
                application_id=app_id,
                evaluator_id=evaluator_id,
                conflict_of_interest=False,
                submitted_at=now,
            )
        )
    return score


def _numeric(value: Fraction) -> Any:
    """A Fraction as an exact-enough decimal for storage (20 significant places)."""
    return Context(prec=28).divide(Decimal(value.numerator), Decimal(value.denominator))


# --- Decision ---------------------------------------------------------------------------


def _adjusted(data: DecisionIn | None) -> tuple[dict[uuid.UUID, int] | None, str | None]:
    """The coordinator's awards by application (None: the ranked proposal) and their currency."""
    if data is None or data.awards is None:
        return None, None
    adjusted: dict[uuid.UUID, int] = {}
    currency = None
    for a in data.awards:
        if a.application_id in adjusted:
            raise invalid("awards", "decision.listed_twice", application_id=a.application_id)
        adjusted[a.application_id] = a.amount.amount
        currency = a.amount.currency
        if any(x.amount.currency != currency for x in data.awards):
            raise invalid("awards", "decision.one_currency")
    return adjusted, currency


async def publish_decision(
    runtime: Any,
    call_id: uuid.UUID,
    data: DecisionIn | None,
    *,
    now: datetime | None = None,
) -> DecisionOut:
    """Publish the awards (the ranked proposal, or the coordinator's adjustment) and tell every
    applicant in evaluation the outcome by mail."""
    now = now or utcnow()
    adjusted, currency = _adjusted(data)
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        call = await existing_call(conn, call_id, for_update=True)
        if call["decision_published_at"]:
            raise conflict("decision.already_published")
        candidates, blocking, _ = await ranked(conn, call, now)
        if blocking:
            raise conflict("decision.not_ready", reasons=Reasons(blocking))
        if adjusted is None:
            awards = domain.allocate(
                candidates,
                call["budget_total"],
                call["max_per_grant"],
                partial=call["allow_partial_funding"],
            )
        else:
            if currency is not None and currency != call["currency"]:
                raise invalid("awards", "decision.currency", currency=call["currency"])
            requested = {c.application_id: c.requested for c in candidates}
            if problem := domain.adjusted_awards_problem(
                adjusted, requested, call["budget_total"], call["max_per_grant"], call["currency"]
            ):
                raise _problem(problem)
            positions = {c.application_id: i for i, c in enumerate(candidates, start=1)}
            awards = sorted(
                (domain.Award(a, amount, positions[a]) for a, amount in adjusted.items()),
                key=lambda w: w.rank,
            )
        scores = {c.application_id: c.score for c in candidates}
        await store.insert_awards(
            conn,
            call_id,
            [
                (w.application_id, w.amount, w.rank, _numeric(scores[w.application_id]))
                for w in awards
            ],
            call["currency"],
            call["report_due_on"],
            now,
        )
        await store.close_decision(conn, call_id, [w.application_id for w in awards], now)
        for w in awards:
            uow.emit(
                ev.GrantsGrantAwarded(
                    application_id=w.application_id,
                    call_id=call_id,
                    amount=ev.Money(w.amount, call["currency"]),
                    rank=w.rank,
                    awarded_at=now,
                )
            )
        uow.emit(
            ev.GrantsDecisionPublished(
                call_id=call_id,
                awarded_count=len(awards),
                awarded_total=ev.Money(sum(w.amount for w in awards), call["currency"]),
                published_at=now,
            )
        )
        for row in await store.applicants_to_notify(conn, call_id):
            await _tell_decision(uow, row, call)
    return DecisionOut(
        awarded=[
            AwardOut(
                application_id=w.application_id,
                amount=money(w.amount, call["currency"]),
                rank=w.rank,
            )
            for w in awards
        ]
    )


def report_page(app_id: uuid.UUID) -> str:
    return f"/grants/applications/{app_id}/report"


async def _recipients(
    uow: UnitOfWork, org_id: uuid.UUID, org_email: str, org_lang: str, page: str | None
) -> list[tuple[str, str, str | None]]:
    """(address, language, way in) for a mail about the organisation's application: each
    representative with a one-time sign-in link to `page`, and the organisation's own address
    with the page's address when no representative has it (never a sign-in link there)."""
    settings = uow.runtime.settings
    reps = await store.representatives_of(uow.conn, org_id)
    recipients: list[tuple[str, str, str | None]] = [
        (
            rep["email"],
            rep["language"],
            invitation_link(uow.runtime, subject=rep["subject"], role="ngo", org=org_id, next=page)
            if page
            else None,
        )
        for rep in reps
    ]
    if org_email not in {rep["email"] for rep in reps}:
        recipients.append((org_email, org_lang, f"{settings.public_url}{page}" if page else None))
    return recipients


async def _tell_decision(uow: UnitOfWork, row: Any, call: Any) -> None:
    """The decision to the organisation's representatives, each in their language; an award
    with the report's due date and a link straight to the final report's page."""
    awarded = row["amount"] is not None
    page = report_page(row["id"]) if awarded else None
    due = row["report_due_on"].isoformat() if awarded and row["report_due_on"] else None
    for to, lang, link in await _recipients(
        uow, row["organisation_id"], row["email"], row["language"], page
    ):
        await mails.decision(
            uow,
            uow.runtime.settings,
            to=to,
            lang=lang,
            title=row["title"],
            amount=row["amount"],
            currency=call["currency"],
            report_due_on=due,
            link=link,
        )


# --- Reports ----------------------------------------------------------------------------


async def submit_report(
    runtime: Any,
    who: Principal,
    app_id: uuid.UUID,
    data: ReportIn,
    *,
    requested: Claimed | None = None,
    now: datetime | None = None,
) -> StatusOut | Replay:
    """The grantee's final report: activities done, participants reached, money spent."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        await own_application(conn, who, app_id)  # before any replay: a stranger's 403
        if replay := await uow.claim(requested):
            return replay
        award = await store.award_for_update(conn, app_id)
        if award is None:
            raise conflict("report.not_awarded")
        if data.spent.currency != award["currency"]:
            raise invalid("spent.currency", "report.currency", currency=award["currency"])
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
            raise conflict("report.already_submitted")
        uow.emit(
            ev.GrantsReportSubmitted(
                application_id=app_id,
                participants_reached=data.participants_reached,
                spent=data.spent,
                submitted_at=now,
            )
        )
        answer = StatusOut(status="reported")
        await uow.remember(201, answer)
    return answer


async def review_report(
    runtime: Any,
    who: Principal,
    app_id: uuid.UUID,
    data: ReportReviewIn,
    *,
    now: datetime | None = None,
) -> StatusOut:
    """The city's review of a grantee's final report: accepted, or returned with a comment
    saying what to correct. The organisation is told by mail with a link to its report."""
    now = now or utcnow()
    comment = (data.comment or "").strip() or None
    if not data.accepted and not comment:
        raise invalid("comment", "report.comment_required")
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        conn = uow.conn
        row = await store.report_for_review(conn, app_id)
        if row is None:
            raise not_found("report.not_found", application_id=app_id)
        if row["review"] is not None:
            raise conflict("report.already_reviewed")
        review = "accepted" if data.accepted else "returned"
        await store.record_review(conn, app_id, review, comment, who.subject, now)
        for to, lang, link in await _recipients(
            uow, row["organisation_id"], row["email"], row["language"], report_page(app_id)
        ):
            await mails.report_reviewed(
                uow,
                runtime.settings,
                to=to,
                lang=lang,
                title=row["title"],
                accepted=data.accepted,
                comment=comment,
                link=link,
            )
    return StatusOut(status=review)


async def flag_overdue_reports(runtime: Any, day: date, *, now: datetime | None = None) -> int:
    """Flag each grant whose final report is past due on `day` (Warsaw) and remind the grantee.

    Idempotent: an award is flagged once (its `overdue_flagged_at` is set in the transaction that
    writes the event and queues the reminder), so a re-run or a concurrent worker flags nothing
    twice. The number of grants flagged."""
    now = now or utcnow()
    async with UnitOfWork(runtime, SCHEMA, PRODUCER) as uow:
        rows = await store.claim_overdue(uow.conn, day, now)
        for row in rows:
            uow.emit(
                ev.GrantsReportOverdue(
                    application_id=row["application_id"],
                    due_on=row["report_due_on"],
                    flagged_at=now,
                )
            )
            page = report_page(row["application_id"])
            for to, lang, link in await _recipients(
                uow, row["organisation_id"], row["email"], row["language"], page
            ):
                await mails.report_overdue(
                    uow,
                    runtime.settings,
                    to=to,
                    lang=lang,
                    title=row["title"],
                    due_on=row["report_due_on"].isoformat(),
                    link=link,
                )
    return len(rows)
