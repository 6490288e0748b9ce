"""The API for evaluators: their queue, their evaluations, and the evaluations of an
application (also for the coordinator)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post

from services.grants import commands, queries
from services.grants.api.common import PAGED, TAGS, who
from services.grants.schemas import Assignment, EvaluationIn, EvaluationOut, EvaluationView
from shared.auth import requires
from shared.http import Page, Paging
from shared.runtime import Runtime


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
    score = await commands.evaluate(runtime, who(request), app_id, data)
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
    return await queries.evaluations(runtime, who(request), app_id)


@get("/api/grants/evaluations/queue", guards=[requires("evaluator")], tags=TAGS, dependencies=PAGED)
async def evaluation_queue(
    request: Request[Any, Any, Any], runtime: Runtime, page: Paging
) -> Page[Assignment]:
    """The caller's assignments, those still to evaluate first."""
    items, total = await queries.evaluation_queue(runtime, who(request), page.limit, page.offset)
    return Page(items=items, total=total)
