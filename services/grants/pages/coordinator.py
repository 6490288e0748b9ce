"""Pages for the programme's coordinator: calls, a new call, a call's progress, ranking and
decision."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect

from services.grants import commands, domain, queries
from services.grants.mails import money_text
from services.grants.page_errors import (
    FormErrors,
    Placement,
    explain,
    input_problems,
    page_status,
    refusals_of,
    top_field,
)
from services.grants.pages.common import (
    CRITERIA_ROWS,
    REFUSED,
    choices,
    field_text,
    form_values,
    minor,
    number,
    pages,
    row_field,
    speaker_for,
    who,
    whole,
)
from services.grants.refusals import Refusal
from services.grants.schemas import CallIn, DecisionIn
from shared.auth import requires
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.forms import warsaw_moment

# --- Coordinator ------------------------------------------------------------------------


@get("/grants/coordinator", guards=[requires("coordinator")], exception_handlers=REFUSED)
async def coordinator_home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    return await _render_coordinator(request, runtime, {}, FormErrors(), 200)


async def _render_coordinator(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    calls = await queries.coordinator_calls(runtime)
    return pages.render(
        request,
        "grants/coordinator.html",
        status,
        calls=calls,
        errors=errors.fields,
        form_errors=errors.form,
        values=values,
        rows=range(CRITERIA_ROWS),
        when=domain.warsaw_text,
    )


CALL_INPUT = {
    "title": "form.call_title",
    "description": "form.call_description",
    "currency": "form.currency",
    "budget_total": "form.budget_total",
    "max_per_grant": "form.max_per_grant",
    "opens_at": "form.opens_at",
    "closes_at": "form.closes_at",
    "evaluators_per_application": "form.evaluators_per_application",
    "criteria": "form.criteria_empty",
}
CRITERION_PARTS = {"key": "key", "name": "name", "weight": "weight", "max_points": "max"}
CRITERION_INPUT = {
    "key": "form.criterion_key",
    "name": "form.criterion_name",
    "weight": "form.criterion_weight",
    "max_points": "form.criterion_max_points",
}
_CRITERION = re.compile(r"^criteria\[(\d+)\](?:\.(key|name|weight|max_points))?")


def _call_input(path: str, limits: dict[str, Any]) -> Refusal:
    match = _CRITERION.match(path)
    if match:
        code = CRITERION_INPUT.get(match.group(2) or "", "form.refused")
    elif path.endswith(".currency"):
        code = "form.currency"
    else:
        code = CALL_INPUT.get(top_field(path), "form.refused")
    return Refusal(code, limits, path)


def _call_place(rows: list[int]) -> Callable[[Refusal], Placement]:
    def place(refused: Refusal) -> Placement:
        fields = {part: f"c{{row}}_{suffix}" for part, suffix in CRITERION_PARTS.items()}
        in_row = row_field(refused, _CRITERION, rows, fields, "form.in_criterion_row")
        if in_row is not None:
            return in_row
        if refused.code == "form.currency":
            return "currency", refused
        name = top_field(refused.field)
        return (name if name in CALL_INPUT else None), refused

    return place


def _warsaw_input(text: str) -> str | None:
    """A datetime-local field (Warsaw wall time) as RFC 3339, or None: not a time, carrying an
    offset of its own, or a time the spring clock change skips (`warsaw_moment`)."""
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = warsaw_moment(naive) if naive.tzinfo is None else None
    return moment.isoformat() if moment else None


@post("/grants/coordinator", guards=[requires("coordinator")], exception_handlers=REFUSED)
async def coordinator_new_call(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await form_values(request)
    currency = field_text(values, "currency") or "PLN"
    refused: list[Refusal] = []
    rows = [
        i
        for i in range(CRITERIA_ROWS)
        if any(field_text(values, f"c{i}_{part}") for part in CRITERION_PARTS.values())
    ]
    criteria = [
        {
            "key": field_text(values, f"c{i}_key"),
            "name": field_text(values, f"c{i}_name"),
            "weight": number(field_text(values, f"c{i}_weight")),
            "max_points": whole(field_text(values, f"c{i}_max"), -1),
        }
        for i in rows
    ]
    money = {}
    for name in ("budget_total", "max_per_grant"):
        amount = minor(field_text(values, name))
        if amount is None:
            refused.append(Refusal(CALL_INPUT[name], {}, name))
        money[name] = {"amount": amount, "currency": currency}
    moments = {}
    for name in ("opens_at", "closes_at"):
        moments[name] = _warsaw_input(field_text(values, name))
        if moments[name] is None:
            refused.append(Refusal(CALL_INPUT[name], {}, name))
    body = {
        "title": field_text(values, "title"),
        "description": field_text(values, "description"),
        **money,
        **moments,
        "criteria": criteria,
        "objectives": choices(values.get("objectives")) or [3],
        "evaluators_per_application": whole(field_text(values, "evaluators_per_application"), 2),
        "allow_partial_funding": values.get("allow_partial_funding") == "yes",
    }
    refused += [
        _call_input(path, limits)
        for path, limits in input_problems(body, CallIn, skip=[r.field for r in refused if r.field])
    ]
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, CallIn)
            created = await commands.create_call(runtime, who(request), data)
            call_id = created.id  # type: ignore[union-attr] # no key, no replay
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [*CALL_INPUT] + [
            f"c{i}_{part}" for i in range(CRITERIA_ROWS) for part in CRITERION_PARTS.values()
        ]
        errors = explain(speaker_for(request), refused, _call_place(rows), order)
        return await _render_coordinator(request, runtime, values, errors, status)
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)


@get(
    "/grants/coordinator/calls/{call_id:uuid}",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def coordinator_call(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _coordinator_call(request, call_id, runtime, {}, FormErrors(), 200)


async def _coordinator_call(
    request: Request[Any, Any, Any],
    call_id: uuid.UUID,
    runtime: Runtime,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    progress = await queries.call_progress(runtime, call_id)
    speaker = speaker_for(request)
    return pages.render(
        request,
        "grants/coordinator_call.html",
        status,
        **progress | {"blocking": [speaker.say(r) for r in progress["blocking"]]},
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        money=money_text,
        when=domain.warsaw_text,
    )


def _award_place(titles: dict[uuid.UUID, str]) -> Callable[[Refusal], Placement]:
    def place(refused: Refusal) -> Placement:
        app_id = refused.params.get("application_id")
        if app_id in titles:
            wrapped = Refusal("form.in_application", {"title": titles[app_id], "message": refused})
            return f"award_{app_id}", wrapped
        return ("awards" if refused.field == "awards" else None), refused

    return place


@post(
    "/grants/coordinator/calls/{call_id:uuid}/decision",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def coordinator_decide(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await form_values(request)
    call, ranking = await queries.call_and_ranking(runtime, call_id)
    titles = {item.application_id: item.title for item in ranking.items}
    refused: list[Refusal] = []
    awards = []
    for item in ranking.items:
        text = field_text(values, f"award_{item.application_id}")
        amount = minor(text) if text else 0
        if amount is None or amount < 0:
            named = {"currency": call["currency"], "application_id": item.application_id}
            refused.append(Refusal("form.award", named, "awards"))
        elif amount > 0:  # empty or 0: no grant for this one
            awards.append(
                {
                    "application_id": str(item.application_id),
                    "amount": {"amount": amount, "currency": call["currency"]},
                }
            )
    status = 400
    if not refused:
        try:
            await commands.publish_decision(
                runtime, call_id, msgspec.convert({"awards": awards}, DecisionIn)
            )
        except (Refused, msgspec.ValidationError) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [f"award_{item.application_id}" for item in ranking.items] + ["awards"]
        errors = explain(speaker_for(request), refused, _award_place(titles), order)
        return await _coordinator_call(request, call_id, runtime, values, errors, status)
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)
