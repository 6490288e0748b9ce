"""The API for the programme's coordinator: calls, the evaluator pool, the formal check, the
ranking and the decision."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post, put

from services.grants import commands, queries
from services.grants.api.common import PAGED, TAGS, created, key_of, who
from services.grants.schemas import (
    Application,
    CallIn,
    DecisionIn,
    DecisionOut,
    EvaluatorIn,
    EvaluatorRemoved,
    FormalCheckIn,
    FormalCheckOut,
    PoolMember,
    Ranking,
    ReportReviewIn,
    StatusOut,
)
from shared.auth import requires
from shared.http import Page, Paging, field_error
from shared.runtime import Runtime


@post("/api/grants/calls", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def create_call(
    request: Request[Any, Any, Any], data: CallIn, runtime: Runtime
) -> Response[Any]:
    """Publish a call for proposals: budget, maximum per grant, dates, criteria, evaluators."""
    requested = await key_of(request, "grants.call")
    return created(await commands.create_call(runtime, who(request), data, requested=requested))


@put("/api/grants/calls/{call_id:uuid}", guards=[requires("coordinator")], tags=TAGS)
async def update_call(
    request: Request[Any, Any, Any], call_id: uuid.UUID, data: CallIn, runtime: Runtime
) -> StatusOut:
    """Change an announced call (the whole call, as when created) until it opens; 409 after."""
    return await commands.update_call(runtime, who(request), call_id, data)


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
    requested = await key_of(request, f"grants.evaluator:{call_id}")
    return created(await commands.add_evaluator(runtime, call_id, data, requested=requested))


@get(
    "/api/grants/calls/{call_id:uuid}/evaluators",
    guards=[requires("coordinator")],
    tags=TAGS,
)
async def call_pool(call_id: uuid.UUID, runtime: Runtime) -> list[PoolMember]:
    """The call's evaluator pool with each one's assignments (to do and done)."""
    return await queries.pool(runtime, call_id)


@delete(
    "/api/grants/calls/{call_id:uuid}/evaluators/{evaluator_id:uuid}",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def remove_evaluator(
    call_id: uuid.UUID, evaluator_id: uuid.UUID, runtime: Runtime
) -> EvaluatorRemoved:
    """Take an evaluator out of the pool before the decision; what they have not evaluated goes
    to others."""
    return await commands.remove_evaluator(runtime, call_id, evaluator_id)


@post(
    "/api/grants/applications/{app_id:uuid}/report/review",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=200,
)
async def review_report(
    request: Request[Any, Any, Any], app_id: uuid.UUID, data: ReportReviewIn, runtime: Runtime
) -> StatusOut:
    """Accept a final report, or return it with a comment (required) saying what to correct;
    the organisation is told by mail."""
    return await commands.review_report(runtime, who(request), app_id, data)


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
    return await commands.formal_check(runtime, who(request), app_id, data)


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
