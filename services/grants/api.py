"""HTTP API of the small grants (contract routes fixed; the rest designed for officers and NGOs).

Handlers parse the request, call one command (services/grants/commands.py) or query
(services/grants/queries.py) and answer; refusals become problem details app-wide
(`shared.http.refused_handler`)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post, put

from services.grants import commands, queries
from services.grants.schemas import (
    Application,
    ApplicationIn,
    Assignment,
    Call,
    CallIn,
    DecisionIn,
    DecisionOut,
    EvaluationIn,
    EvaluationOut,
    EvaluationView,
    EvaluatorIn,
    FormalCheckIn,
    FormalCheckOut,
    Organisation,
    OrganisationIn,
    Ranking,
    ReportIn,
    StatusOut,
)
from shared import idempotency
from shared.auth import authenticated, current_user, requires
from shared.http import Page, Paging, field_error, paging
from shared.runtime import Runtime

TAGS = ["grants"]
PAGED: Any = {"page": paging}


def _who(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    assert user is not None  # guarded
    return user


async def _requested(request: Request[Any, Any, Any], scope: str) -> idempotency.Claimed | None:
    return idempotency.requested(request, await request.body(), scope)


def _created(answer: Any) -> Response[Any]:
    """201 with the command's answer, or the first answer again for a replayed key."""
    if isinstance(answer, idempotency.Replay):
        return idempotency.replay_response(answer)
    return Response(answer, status_code=201)


# --- Organisations ----------------------------------------------------------------------


@post("/api/grants/organisations", guards=[requires("ngo")], tags=TAGS, status_code=201)
async def register_organisation(
    request: Request[Any, Any, Any], data: OrganisationIn, runtime: Runtime
) -> Response[Any]:
    """Register an organisation (NIP checksum checked); the caller becomes its representative."""
    requested = await _requested(request, "grants.org")
    return _created(
        await commands.register_organisation(runtime, _who(request), data, requested=requested)
    )


@get("/api/grants/organisations/mine", guards=[requires("ngo")], tags=TAGS)
async def my_organisation(request: Request[Any, Any, Any], runtime: Runtime) -> Organisation:
    """The organisation the caller acts for."""
    return await queries.my_organisation(runtime, _who(request))


# --- Calls ------------------------------------------------------------------------------


@post("/api/grants/calls", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def create_call(
    request: Request[Any, Any, Any], data: CallIn, runtime: Runtime
) -> Response[Any]:
    """Publish a call for proposals: budget, maximum per grant, dates, criteria, evaluators."""
    requested = await _requested(request, "grants.call")
    return _created(await commands.create_call(runtime, _who(request), data, requested=requested))


@get("/api/grants/calls", tags=TAGS, dependencies=PAGED, security=[{}])
async def list_calls(runtime: Runtime, page: Paging) -> Page[Call]:
    """Every call, the latest deadline first."""
    items, total = await queries.calls(runtime, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/grants/calls/{call_id:uuid}", tags=TAGS, security=[{}])
async def get_call(call_id: uuid.UUID, runtime: Runtime) -> Call:
    """One call with its criteria."""
    return await queries.call(runtime, call_id)


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
    requested = await _requested(request, f"grants.application:{call_id}")
    return _created(
        await commands.create_application(
            runtime, _who(request), call_id, data, requested=requested
        )
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
    items, total = await queries.applications_of_call(runtime, call_id, page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/grants/applications", guards=[requires("ngo")], tags=TAGS, dependencies=PAGED)
async def my_applications(
    request: Request[Any, Any, Any], runtime: Runtime, page: Paging
) -> Page[Application]:
    """The caller's organisation's applications, newest first."""
    items, total = await queries.my_applications(runtime, _who(request), page.limit, page.offset)
    return Page(items=items, total=total)


@get("/api/grants/applications/{app_id:uuid}", guards=[authenticated], tags=TAGS)
async def get_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Application:
    """An application: for its organisation, the coordinator, and evaluators assigned to it."""
    return await queries.application(runtime, _who(request), app_id)


@put("/api/grants/applications/{app_id:uuid}", guards=[requires("ngo")], tags=TAGS)
async def edit_application(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: ApplicationIn, runtime: Runtime
) -> StatusOut:
    """Replace a draft's content (submitted applications are frozen: 409)."""
    return await commands.update_application(runtime, _who(request), app_id, data)


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
    return await commands.submit_application(runtime, _who(request), app_id)


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
    return await commands.withdraw_application(runtime, _who(request), app_id)


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
    requested = await _requested(request, f"grants.evaluator:{call_id}")
    return _created(await commands.add_evaluator(runtime, call_id, data, requested=requested))


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
    return await commands.formal_check(runtime, _who(request), app_id, data)


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
    score = await commands.evaluate(runtime, _who(request), app_id, data)
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
    return await queries.evaluations(runtime, _who(request), app_id)


@get("/api/grants/evaluations/queue", guards=[requires("evaluator")], tags=TAGS, dependencies=PAGED)
async def evaluation_queue(
    request: Request[Any, Any, Any], runtime: Runtime, page: Paging
) -> Page[Assignment]:
    """The caller's assignments, those still to evaluate first."""
    items, total = await queries.evaluation_queue(runtime, _who(request), page.limit, page.offset)
    return Page(items=items, total=total)


# --- Ranking and decision ---------------------------------------------------------------


@get("/api/grants/calls/{call_id:uuid}/ranking", guards=[requires("coordinator")], tags=TAGS)
async def get_ranking(call_id: uuid.UUID, runtime: Runtime) -> Ranking:
    """Applications in evaluation ranked by score, with the proposed awards within the budget."""
    return await queries.ranking(runtime, call_id)


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
    return await commands.publish_decision(runtime, call_id, data)


@get("/api/grants/calls/{call_id:uuid}/awards", tags=TAGS, security=[{}])
async def published_awards(call_id: uuid.UUID, runtime: Runtime) -> DecisionOut:
    """The published list of awards, in rank order."""
    return await queries.published_awards(runtime, call_id)


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
    requested = await _requested(request, f"grants.report:{app_id}")
    return _created(
        await commands.submit_report(runtime, _who(request), app_id, data, requested=requested)
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
