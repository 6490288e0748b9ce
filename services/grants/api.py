"""HTTP API of the small grants (contract routes fixed; the rest designed for officers and NGOs)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.exceptions import NotFoundException, PermissionDeniedException

from services.grants import commands, domain, notices, store
from services.grants.refusals import Refusal, field_refusal, refusal
from services.grants.schemas import (
    Application,
    ApplicationCreated,
    ApplicationIn,
    Assignment,
    AwardOut,
    BudgetLine,
    Call,
    CallIn,
    CallText,
    Created,
    Criterion,
    DecisionIn,
    DecisionOut,
    EvaluationIn,
    EvaluationOut,
    EvaluationView,
    EvaluatorCreated,
    EvaluatorIn,
    FormalCheckIn,
    FormalCheckOut,
    Organisation,
    OrganisationIn,
    RankedApplication,
    Ranking,
    ReportIn,
    StatusOut,
)
from shared import idempotency, outbox
from shared.auth import authenticated, current_user, requires
from shared.events import Envelope, utcnow
from shared.events.catalogue import Money
from shared.http import Conflict, Page, Paging, field_error, paging
from shared.runtime import Runtime

SCHEMA = "grants"
TAGS = ["grants"]
PAGED: Any = {"page": paging}


def _who(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    assert user is not None  # guarded
    return user


async def _create(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    scope: str,
    make: Callable[[Any], Awaitable[tuple[Any, list[Envelope]]]],
    authorize: Callable[[Any], Awaitable[Any]] | None = None,
) -> Response[Any]:
    """A creating POST: the caller authorised for the object (before any replay, too),
    Idempotency-Key claimed, object made, response remembered, events out."""
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        if authorize is not None:
            await authorize(conn)
        key, replay = await idempotency.claim(conn, request, body, scope)
        if replay:
            return idempotency.replay_response(replay)
        content, events = await make(conn)
        await idempotency.remember(conn, key, 201, content)
        if events:
            await outbox.add(conn, *events)
    return Response(content, status_code=201)


async def _change(runtime: Runtime, make: Callable[[Any], Awaitable[list[Envelope]]]) -> None:
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        events = await make(conn)
        if events:
            await outbox.add(conn, *events)


def money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)  # type: ignore[arg-type]


def call_view(row: Any, criteria: list[Any], now: Any) -> Call:
    currency = row["currency"]
    return Call(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        translations=msgspec.json.decode(row["translations"], type=dict[str, CallText]),
        budget_total=money(row["budget_total"], currency),
        max_per_grant=money(row["max_per_grant"], currency),
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        eligible_kinds=list(row["eligible_kinds"]),
        objectives=list(row["objectives"]),
        evaluators_per_application=row["evaluators_per_application"],
        allow_partial_funding=row["allow_partial_funding"],
        report_due_on=row["report_due_on"],
        criteria=[
            Criterion(
                key=c["key"], name=c["name"], weight=float(c["weight"]), max_points=c["max_points"]
            )
            for c in criteria
        ],
        status=commands.call_status(row, now),
        decision_published_at=row["decision_published_at"],
    )


def application_view(row: Any) -> Application:
    currency = row["currency"]
    return Application(
        id=row["id"],
        call_id=row["call_id"],
        organisation_id=row["organisation_id"],
        title=row["title"],
        summary=row["summary"],
        objectives=list(row["objectives"]),
        requested=money(row["requested"], currency),
        budget_lines=msgspec.json.decode(row["budget_lines"], type=list[BudgetLine]),
        status=row["status"],
        created_at=row["created_at"],
        submitted_at=row["submitted_at"],
        formal_eligible=row["formal_eligible"],
        formal_reason=row["formal_reason"],
        award=money(row["award_amount"], currency) if row["award_amount"] is not None else None,
    )


# --- Organisations ----------------------------------------------------------------------


@post("/api/grants/organisations", guards=[requires("ngo")], tags=TAGS, status_code=201)
async def register_organisation(
    request: Request[Any, Any, Any], data: OrganisationIn, runtime: Runtime
) -> Response[Any]:
    """Register an organisation (NIP checksum checked); the caller becomes its representative."""

    async def make(conn: Any) -> tuple[Any, list[Envelope]]:
        org_id, events = await commands.register_organisation(conn, _who(request), data, utcnow())
        return Created(id=org_id), events

    return await _create(request, runtime, "grants.org", make)


@get("/api/grants/organisations/mine", guards=[requires("ngo")], tags=TAGS)
async def my_organisation(request: Request[Any, Any, Any], runtime: Runtime) -> Organisation:
    """The organisation the caller acts for."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await commands.acting_organisation(conn, _who(request))
    return msgspec.convert(dict(row), Organisation)


# --- Calls ------------------------------------------------------------------------------


@post("/api/grants/calls", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def create_call(
    request: Request[Any, Any, Any], data: CallIn, runtime: Runtime
) -> Response[Any]:
    """Publish a call for proposals: budget, maximum per grant, dates, criteria, evaluators."""

    async def make(conn: Any) -> tuple[Any, list[Envelope]]:
        call_id, events = await commands.create_call(conn, _who(request), data, utcnow())
        return Created(id=call_id), events

    return await _create(request, runtime, "grants.call", make)


@get("/api/grants/calls", tags=TAGS, dependencies=PAGED, security=[{}])
async def list_calls(runtime: Runtime, page: Paging) -> Page[Call]:
    """Every call, the latest deadline first."""
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_calls(conn, page.limit, page.offset)
        items = [call_view(r, await store.criteria(conn, r["id"]), now) for r in rows]
    return Page(items=items, total=total)


@get("/api/grants/calls/{call_id:uuid}", tags=TAGS, security=[{}])
async def get_call(call_id: uuid.UUID, runtime: Runtime) -> Call:
    """One call with its criteria."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await commands.existing_call(conn, call_id)
        return call_view(row, await store.criteria(conn, call_id), utcnow())


# --- Applications -----------------------------------------------------------------------


@post(
    "/api/grants/calls/{call_id:uuid}/applications",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=201,
)
async def create_application(
    request: Request[Any, Any, Any], call_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> Response[Any]:
    """Start a draft application; `requested` must equal the sum of `budget_lines`."""

    async def make(conn: Any) -> tuple[Any, list[Envelope]]:
        app_id = await commands.create_application(conn, _who(request), call_id, data, utcnow())
        return ApplicationCreated(id=app_id, status="draft"), []

    return await _create(
        request,
        runtime,
        f"grants.application:{call_id}",
        make,
        authorize=lambda conn: commands.acting_organisation(conn, _who(request)),
    )


@get(
    "/api/grants/calls/{call_id:uuid}/applications",
    guards=[requires("coordinator")],
    tags=TAGS,
    dependencies=PAGED,
)
async def call_applications(
    call_id: uuid.UUID, runtime: Runtime, page: Paging
) -> Page[Application]:
    """Submitted (and later) applications of a call, for the coordinator."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        await commands.existing_call(conn, call_id)
        rows, total = await store.applications_of_call(conn, call_id, page.limit, page.offset)
    return Page(items=[application_view(r) for r in rows], total=total)


@get("/api/grants/applications", guards=[requires("ngo")], tags=TAGS, dependencies=PAGED)
async def my_applications(
    request: Request[Any, Any, Any], runtime: Runtime, page: Paging
) -> Page[Application]:
    """The caller's organisation's applications, newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        org = await commands.acting_organisation(conn, _who(request))
        rows, total = await store.applications_of_org(conn, org["id"], page.limit, page.offset)
    return Page(items=[application_view(r) for r in rows], total=total)


@get("/api/grants/applications/{app_id:uuid}", guards=[authenticated], tags=TAGS)
async def get_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Application:
    """An application: for its organisation, the coordinator, and evaluators assigned to it."""
    who = _who(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.application(conn, app_id)
        if row is None:
            raise refusal(NotFoundException, "application.not_found", application_id=app_id)
        if who.has("coordinator"):
            return application_view(row)
        if who.has("evaluator") and await store.assignment_of(conn, app_id, who.subject):
            return application_view(row)
        if who.has("ngo"):
            return application_view(await commands.own_application(conn, who, app_id))
    raise refusal(PermissionDeniedException, "application.not_readable")


@put("/api/grants/applications/{app_id:uuid}", guards=[requires("ngo")], tags=TAGS)
async def edit_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> StatusOut:
    """Replace a draft's content (submitted applications are frozen: 409)."""

    async def make(conn: Any) -> list[Envelope]:
        await commands.update_application(conn, _who(request), app_id, data, utcnow())
        return []

    await _change(runtime, make)
    return StatusOut(status="draft")


@post(
    "/api/grants/applications/{app_id:uuid}/submit",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=200,
)
async def submit_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> StatusOut:
    """Submit a draft before the deadline (server time); late: 409 naming the deadline."""
    await _change(
        runtime, lambda conn: commands.submit_application(conn, _who(request), app_id, utcnow())
    )
    return StatusOut(status="submitted")


@post(
    "/api/grants/applications/{app_id:uuid}/withdraw",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=200,
)
async def withdraw_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> StatusOut:
    """Withdraw an application until the decision is published."""
    await _change(
        runtime, lambda conn: commands.withdraw_application(conn, _who(request), app_id, utcnow())
    )
    return StatusOut(status="withdrawn")


# --- Evaluation -------------------------------------------------------------------------


@post(
    "/api/grants/calls/{call_id:uuid}/evaluators",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=201,
)
async def add_evaluator(
    request: Request[Any, Any, Any], call_id: uuid.UUID, data: EvaluatorIn, runtime: Runtime
) -> Response[Any]:
    """Add an evaluator to the call's pool; they are never assigned to organisations they are linked to."""

    async def make(conn: Any) -> tuple[Any, list[Envelope]]:
        evaluator_id, events = await commands.add_evaluator(conn, call_id, data, utcnow())
        return EvaluatorCreated(id=evaluator_id, assigned=len(events)), events

    return await _create(request, runtime, f"grants.evaluator:{call_id}", make)


@post(
    "/api/grants/applications/{app_id:uuid}/formal-check",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def formal_check(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: FormalCheckIn, runtime: Runtime
) -> FormalCheckOut:
    """Record the formal check; eligible applications get their evaluators at once."""
    mail_id = None
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row, events = await commands.formal_check(conn, _who(request), app_id, data, utcnow())
        if not data.eligible:
            org = await store.organisation(conn, row["organisation_id"])
            mail_id = await notices.ineligible(
                conn,
                runtime.settings,
                to=org["email"],
                lang=org["language"],
                title=row["title"],
                reason=(data.reason or "").strip(),
            )
        await outbox.add(conn, *events)
    if mail_id:
        await runtime.send_mail_soon(SCHEMA, mail_id)
    return FormalCheckOut(
        status="eligible" if data.eligible else "ineligible", evaluators_assigned=len(events) - 1
    )


@post(
    "/api/grants/applications/{app_id:uuid}/evaluations",
    guards=[requires("evaluator")],
    tags=TAGS,
    status_code=201,
)
async def submit_evaluation(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: EvaluationIn, runtime: Runtime
) -> EvaluationOut:
    """Score every criterion within its maximum, or declare a conflict of interest (you are replaced)."""
    score = None

    async def make(conn: Any) -> list[Envelope]:
        nonlocal score
        score, events = await commands.evaluate(conn, _who(request), app_id, data, utcnow())
        return events

    await _change(runtime, make)
    if score is None:
        return EvaluationOut(status="conflict_declared")
    return EvaluationOut(status="scored", score=round(float(score), 2))


@get(
    "/api/grants/applications/{app_id:uuid}/evaluations",
    guards=[requires("coordinator", "evaluator")],
    tags=TAGS,
)
async def list_evaluations(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> list[EvaluationView]:
    """Evaluations of an application. An evaluator sees others' scores only after submitting their
    own; one who declared a conflict of interest sees none of them (403), as a recused juror."""
    who = _who(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.evaluations_of(conn, app_id)
        own = None
        if not who.has("coordinator"):
            own = await store.assignment_of(conn, app_id, who.subject)
            if own is None:
                raise refusal(PermissionDeniedException, "evaluation.not_assigned")
            if own["conflict_of_interest"]:
                raise refusal(PermissionDeniedException, "evaluation.recused")
    # Declaring a conflict also sets submitted_at: only one's own scores end the blindness.
    blind = own is not None and (own["submitted_at"] is None or own["conflict_of_interest"])
    return [
        EvaluationView(
            evaluator_id=r["evaluator_id"],
            conflict_of_interest=r["conflict_of_interest"],
            submitted=r["submitted_at"] is not None,
            scores=msgspec.json.decode(r["scores"])
            if r["scores"] and not (blind and r["evaluator_id"] != own["evaluator_id"])
            else None,
            score=float(r["score"])
            if r["score"] is not None and not (blind and r["evaluator_id"] != own["evaluator_id"])
            else None,
            comment=r["comment"]
            if not (blind and r["evaluator_id"] != own["evaluator_id"])
            else None,
        )
        for r in rows
        if not blind or r["evaluator_id"] == own["evaluator_id"]
    ]


@get("/api/grants/evaluations/queue", guards=[requires("evaluator")], tags=TAGS, dependencies=PAGED)
async def evaluation_queue(
    request: Request[Any, Any, Any], runtime: Runtime, page: Paging
) -> Page[Assignment]:
    """The caller's assignments, those still to evaluate first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.queue_of(conn, _who(request).subject, page.limit, page.offset)
    return Page(
        items=[
            Assignment(
                application_id=r["application_id"],
                call_id=r["call_id"],
                call_title=r["call_title"],
                title=r["title"],
                assigned_at=r["assigned_at"],
                submitted=r["submitted_at"] is not None,
                conflict_of_interest=r["conflict_of_interest"],
            )
            for r in rows
        ],
        total=total,
    )


# --- Ranking and decision ---------------------------------------------------------------


async def ranking_of(conn: Any, call_id: uuid.UUID) -> Ranking:
    return (await ranking_and_reasons(conn, call_id))[0]


async def ranking_and_reasons(conn: Any, call_id: uuid.UUID) -> tuple[Ranking, list[Refusal]]:
    """The ranking, and what blocks a decision as refusals (the pages say them translated)."""
    now = utcnow()
    call = await commands.existing_call(conn, call_id)
    ranked, blocking, titles = await commands.ranking(conn, call, now)
    proposal = {
        w.application_id: w.amount
        for w in domain.allocate(
            ranked,
            call["budget_total"],
            call["max_per_grant"],
            partial=call["allow_partial_funding"],
        )
    }
    currency = call["currency"]
    if call["decision_published_at"]:
        blocking = [Refusal("ranking.decision_published")]
    ranking = Ranking(
        call_id=call_id,
        ready=not blocking,
        blocking=[r.english for r in blocking],
        budget_total=money(call["budget_total"], currency),
        items=[
            RankedApplication(
                rank=i,
                application_id=c.application_id,
                title=titles[c.application_id],
                score=round(float(c.score), 2),
                requested=money(c.requested, currency),
                proposed=money(proposal[c.application_id], currency)
                if c.application_id in proposal
                else None,
            )
            for i, c in enumerate(ranked, start=1)
        ],
    )
    return ranking, blocking


@get("/api/grants/calls/{call_id:uuid}/ranking", guards=[requires("coordinator")], tags=TAGS)
async def get_ranking(call_id: uuid.UUID, runtime: Runtime) -> Ranking:
    """Applications in evaluation ranked by score, with the proposed awards within the budget."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await ranking_of(conn, call_id)


async def publish_decision(
    runtime: Runtime, call_id: uuid.UUID, data: DecisionIn | None
) -> DecisionOut:
    """Publish awards (proposal or coordinator's adjustment), notify applicants; shared with pages."""
    adjusted = None
    currency = None
    if data is not None and data.awards is not None:
        adjusted = {}
        for a in data.awards:
            if a.application_id in adjusted:
                raise field_refusal(
                    "awards", "decision.listed_twice", application_id=a.application_id
                )
            adjusted[a.application_id] = a.amount.amount
            currency = a.amount.currency
            if any(x.amount.currency != currency for x in data.awards):
                raise field_refusal("awards", "decision.one_currency")
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        awards, call, events = await commands.decide(conn, call_id, adjusted, currency, utcnow())
        mail_ids = []
        for row in await store.applicants_to_notify(conn, call_id):
            mail_ids.append(
                await notices.decision(
                    conn,
                    runtime.settings,
                    to=row["email"],
                    lang=row["language"],
                    title=row["title"],
                    amount=row["amount"],
                    currency=call["currency"],
                )
            )
        await outbox.add(conn, *events)
    for mail_id in mail_ids:
        await runtime.send_mail_soon(SCHEMA, mail_id)
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


@post(
    "/api/grants/calls/{call_id:uuid}/decision",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def decide(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> DecisionOut:
    """Publish the decision. No body: the ranked proposal as is; `{"awards": [...]}`: adjusted."""
    body = await request.body()
    data = None
    if body.strip():
        try:
            data = msgspec.json.decode(body, type=DecisionIn)
        except msgspec.ValidationError as exc:
            raise field_error("body", str(exc), 400) from exc
        except msgspec.DecodeError as exc:
            raise field_error("body", "is not valid JSON", 400) from exc
    return await publish_decision(runtime, call_id, data)


@get("/api/grants/calls/{call_id:uuid}/awards", tags=TAGS, security=[{}])
async def published_awards(call_id: uuid.UUID, runtime: Runtime) -> DecisionOut:
    """The published list of awards, in rank order."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await commands.existing_call(conn, call_id)
        if not call["decision_published_at"]:
            raise refusal(Conflict, "decision.not_published")
        rows = await store.published_awards(conn, call_id)
    return DecisionOut(
        awarded=[
            AwardOut(
                application_id=r["application_id"],
                amount=money(r["amount"], r["currency"]),
                rank=r["rank"],
                title=r["title"],
                organisation=r["organisation"],
            )
            for r in rows
        ]
    )


# --- Reports ----------------------------------------------------------------------------


@post(
    "/api/grants/applications/{app_id:uuid}/report",
    guards=[requires("ngo")],
    tags=TAGS,
    status_code=201,
)
async def submit_report(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: ReportIn, runtime: Runtime
) -> Response[Any]:
    """The grantee's final report: activities done, participants reached, money spent."""

    async def make(conn: Any) -> tuple[Any, list[Envelope]]:
        events = await commands.submit_report(conn, _who(request), app_id, data, utcnow())
        return StatusOut(status="reported"), events

    return await _create(
        request,
        runtime,
        f"grants.report:{app_id}",
        make,
        authorize=lambda conn: commands.own_application(conn, _who(request), app_id),
    )


route_handlers = [
    register_organisation,
    my_organisation,
    create_call,
    list_calls,
    get_call,
    create_application,
    call_applications,
    my_applications,
    get_application,
    edit_application,
    submit_application,
    withdraw_application,
    add_evaluator,
    formal_check,
    submit_evaluation,
    list_evaluations,
    evaluation_queue,
    get_ranking,
    decide,
    published_awards,
    submit_report,
]
