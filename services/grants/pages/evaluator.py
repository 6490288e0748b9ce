"""Pages for evaluators: their queue and the score form of an application."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect

from services.grants import commands, domain, queries
from services.grants.mails import day_text
from services.grants.page_errors import Placement, explain, input_problems, page_status, refusals_of
from services.grants.pages.common import (
    REFUSED,
    field_text,
    form_values,
    pages,
    speaker_for,
    who,
    whole,
)
from services.grants.refusals import Refusal
from services.grants.schemas import EvaluationIn
from shared import content
from shared.auth import requires
from shared.events import utcnow
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language

# --- Evaluators -------------------------------------------------------------------------


@get("/grants/evaluate", guards=[requires("evaluator")], exception_handlers=REFUSED)
async def evaluator_queue(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    rows = await queries.evaluator_queue_rows(runtime, who(request))
    lang = negotiate_language(request)
    return pages.render(
        request,
        "grants/queue.html",
        items=rows,
        today=domain.warsaw_today(utcnow()),
        day=lambda d: day_text(d, lang),
    )


async def _score_context(
    runtime: Runtime, request: Request[Any, Any, Any], app_id: uuid.UUID
) -> dict[str, Any]:
    """What the score form shows (403, the error page, for anyone not assigned): criteria
    named in the page's language where the call has the name in it."""
    context = await queries.to_score(runtime, who(request), app_id)
    lang = negotiate_language(request)
    criteria = []
    for c in context["criteria"]:
        criteria.append(dict(c, name=content.shown(c["name"], "pl", c["name_i18n"], lang).text))
    return {**context, "criteria": criteria, "money": speaker_for(request).amount}


@get("/grants/evaluate/{app_id:uuid}", guards=[requires("evaluator")], exception_handlers=REFUSED)
async def score_form(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    context = await _score_context(runtime, request, app_id)
    return pages.render(
        request, "grants/score.html", errors={}, form_errors=[], values={}, **context
    )


def _score_place(criteria: list[Any]) -> Callable[[Refusal], Placement]:
    names = {c["key"]: c["name"] for c in criteria}

    def place(refused: Refusal) -> Placement:
        path = refused.field or ""
        key = path.removeprefix("scores.")
        if path.startswith("scores.") and key in names:
            wrapped = Refusal("form.in_criterion", {"criterion": names[key], "message": refused})
            return f"score_{key}", wrapped
        if path.startswith("comments.") and path.removeprefix("comments.") in names:
            return f"comment_{path.removeprefix('comments.')}", refused
        return ("comment" if path == "comment" else None), refused

    return place


@post("/grants/evaluate/{app_id:uuid}", guards=[requires("evaluator")], exception_handlers=REFUSED)
async def score_submit(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await form_values(request)
    conflict = values.get("conflict_of_interest") == "yes"
    context = await _score_context(runtime, request, app_id)
    scores = {}
    comments = {}
    for c in context["criteria"]:
        raw = field_text(values, f"score_{c['key']}")
        if raw:  # left empty: the rule says "score this criterion"
            scores[c["key"]] = whole(raw, -1)
        if text := field_text(values, f"comment_{c['key']}"):
            comments[c["key"]] = text
    body = {
        "scores": None if conflict else scores,
        "comment": field_text(values, "comment") or None,
        "conflict_of_interest": conflict,
        **({"comments": comments} if comments and not conflict else {}),
    }
    refused = (
        []
        if conflict
        else domain.scores_problems(queries.domain_criteria(context["criteria"]), scores)
    )
    refused += [
        Refusal(
            "form.comment" if path == "comment" or path.startswith("comments.") else "form.refused",
            limits,
            path,
        )
        for path, limits in input_problems(body, EvaluationIn)
    ]
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, EvaluationIn)
            await commands.evaluate(runtime, who(request), app_id, data)
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [
            f"{part}_{c['key']}" for c in context["criteria"] for part in ("score", "comment")
        ] + ["comment"]
        errors = explain(speaker_for(request), refused, _score_place(context["criteria"]), order)
        return pages.render(
            request,
            "grants/score.html",
            status,
            errors=errors.fields,
            form_errors=errors.form,
            values=values,
            **context,
        )
    return Redirect("/grants/evaluate", status_code=303)
