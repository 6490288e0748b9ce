"""Pages for NGOs: open calls and own applications, registering the organisation, applying,
submitting and withdrawing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
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
    BUDGET_ROWS,
    REFUSED,
    choices,
    field_text,
    form_values,
    minor,
    pages,
    row_field,
    speaker_for,
    who,
)
from services.grants.refusals import Refusal
from services.grants.schemas import ApplicationIn, OrganisationIn
from shared.auth import requires
from shared.refusals import Kind, Refused
from shared.runtime import Runtime

# --- NGOs -------------------------------------------------------------------------------


@get("/grants", guards=[requires("ngo")], exception_handlers=REFUSED)
async def home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    calls, apps, has_org = await queries.ngo_home(runtime, who(request))
    return pages.render(
        request,
        "grants/home.html",
        calls=calls,
        applications=apps,
        has_org=has_org,
        money=money_text,
        when=domain.warsaw_text,
    )


# Form field → what to say when msgspec refuses it (the API's schema).
ORGANISATION_INPUT = {
    "name": "form.organisation_name",
    "nip": "organisation.nip_digits",
    "krs": "organisation.krs_digits",
    "kind": "form.kind",
    "email": "form.email",
}


def _organisation_place(refused: Refusal) -> Placement:
    if refused.code == "organisation.nip_registered":
        return "nip", refused
    name = top_field(refused.field)
    return (name if name in ORGANISATION_INPUT else None), refused


@get("/grants/organisation/new", guards=[requires("ngo")], exception_handlers=REFUSED)
async def organisation_form(request: Request[Any, Any, Any]) -> Response[str]:
    return _render_organisation(request, {}, FormErrors(), 200)


def _render_organisation(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: FormErrors, status: int
) -> Response[str]:
    return pages.render(
        request,
        "grants/organisation.html",
        status,
        errors=errors.fields,
        form_errors=errors.form,
        values=values,
    )


@post("/grants/organisation/new", guards=[requires("ngo")], exception_handlers=REFUSED)
async def organisation_submit(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await form_values(request)
    speaker = speaker_for(request)
    # The organisation hears from the city (e.g. the decision) in the language it registered in.
    body = {k: field_text(values, k) or None for k in ORGANISATION_INPUT} | {
        "language": speaker.lang
    }
    refused = [
        Refusal(ORGANISATION_INPUT.get(top_field(path), "form.refused"), limits, path)
        for path, limits in input_problems(body, OrganisationIn)
    ]
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, OrganisationIn)
            await commands.register_organisation(runtime, who(request), data)
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(speaker, refused, _organisation_place, list(ORGANISATION_INPUT))
        return _render_organisation(request, values, errors, status)
    return Redirect("/grants", status_code=303)


@get("/grants/calls/{call_id:uuid}/apply", guards=[requires("ngo")], exception_handlers=REFUSED)
async def application_form(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    call, criteria = await queries.call_and_criteria(runtime, call_id)
    return _render_apply(request, call, criteria, {}, FormErrors(), 200)


def _render_apply(
    request: Request[Any, Any, Any],
    call: Any,
    criteria: list[Any],
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    return pages.render(
        request,
        "grants/apply.html",
        status,
        call=call,
        criteria=criteria,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        rows=range(BUDGET_ROWS),
        money=money_text,
        when=domain.warsaw_text,
    )


APPLICATION_INPUT = {
    "title": "form.application_title",
    "summary": "form.summary",
    "objectives": "form.objectives",
    "requested": "form.requested",
    "budget_lines": "form.budget_empty",
}
LINE_PARTS = ("category", "description", "amount")
LINE_INPUT = {
    "category": "form.line_category",
    "description": "form.line_description",
    "amount": "form.line_amount",
}
_LINE = re.compile(r"^budget_lines\[(\d+)\](?:\.(category|description|amount))?")


def _application_order() -> list[str]:
    lines = [f"line{i}_{part}" for i in range(BUDGET_ROWS) for part in LINE_PARTS]
    return [*APPLICATION_INPUT, *lines]


def _application_input(path: str, limits: dict[str, Any], currency: str) -> Refusal:
    match = _LINE.match(path)
    code = (
        LINE_INPUT.get(match.group(2) or "", "form.refused")
        if match
        else APPLICATION_INPUT.get(top_field(path), "form.refused")
    )
    return Refusal(code, {**limits, "currency": currency}, path)


def _application_place(rows: list[int]) -> Callable[[Refusal], Placement]:
    def place(refused: Refusal) -> Placement:
        fields = {part: f"line{{row}}_{part}" for part in LINE_PARTS}
        in_row = row_field(refused, _LINE, rows, fields, "form.in_budget_line")
        if in_row is not None:
            return in_row
        name = top_field(refused.field)
        return (name if name in APPLICATION_INPUT else None), refused

    return place


@post("/grants/calls/{call_id:uuid}/apply", guards=[requires("ngo")], exception_handlers=REFUSED)
async def application_submit(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await form_values(request)
    call, criteria = await queries.call_and_criteria(runtime, call_id)
    currency = call["currency"]
    refused: list[Refusal] = []
    requested = minor(field_text(values, "requested"))
    if requested is None:
        refused.append(Refusal("form.requested", {"currency": currency}, "requested"))
    # A budget row counts once anything is typed in it; the API's list skips empty rows.
    rows = [
        i for i in range(BUDGET_ROWS) if any(field_text(values, f"line{i}_{p}") for p in LINE_PARTS)
    ]
    lines = []
    for n, i in enumerate(rows):
        amount = minor(field_text(values, f"line{i}_amount"))
        if amount is None:
            path = f"budget_lines[{n}].amount"
            refused.append(Refusal("form.line_amount", {"currency": currency}, path))
        lines.append(
            {
                "category": field_text(values, f"line{i}_category"),
                "description": field_text(values, f"line{i}_description"),
                "amount": {"amount": amount, "currency": currency},
            }
        )
    body = {
        "title": field_text(values, "title"),
        "summary": field_text(values, "summary"),
        "objectives": choices(values.get("objectives")),
        "requested": {"amount": requested, "currency": currency},
        "budget_lines": lines,
    }
    refused += [
        _application_input(path, limits, currency)
        for path, limits in input_problems(
            body, ApplicationIn, skip=[r.field for r in refused if r.field]
        )
    ]
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, ApplicationIn)
            created = await commands.create_application(runtime, who(request), call_id, data)
            app_id = created.id  # type: ignore[union-attr] # no key, no replay
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(
            speaker_for(request), refused, _application_place(rows), _application_order()
        )
        return _render_apply(request, call, criteria, values, errors, status)
    return Redirect(f"/grants/applications/{app_id}", status_code=303)


@get("/grants/applications/{app_id:uuid}", guards=[requires("ngo")], exception_handlers=REFUSED)
async def application_page(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _render_application(request, app_id, runtime, [], 200)


async def _render_application(
    request: Request[Any, Any, Any],
    app_id: uuid.UUID,
    runtime: Runtime,
    form_errors: list[str],
    status: int,
) -> Response[str]:
    row, call = await queries.own_application_and_call(runtime, who(request), app_id)
    return pages.render(
        request,
        "grants/application.html",
        status,
        app=queries.application_view(row),
        call=call,
        form_errors=form_errors,
        money=money_text,
        when=domain.warsaw_text,
    )


@post(
    "/grants/applications/{app_id:uuid}/{action:str}",
    guards=[requires("ngo")],
    exception_handlers=REFUSED,
)
async def application_action(
    request: Request[Any, Any, Any], app_id: uuid.UUID, action: str, runtime: Runtime
) -> Response[Any]:
    command = {
        "submit": commands.submit_application,
        "withdraw": commands.withdraw_application,
    }.get(action)
    if command is None:
        raise HTTPException(status_code=404)
    try:
        await command(runtime, who(request), app_id)
    except Refused as exc:
        if exc.kind != Kind.CONFLICT:
            raise
        errors = explain(speaker_for(request), refusals_of(exc), lambda r: (None, r))
        return await _render_application(request, app_id, runtime, errors.form, 409)
    return Redirect(f"/grants/applications/{app_id}", status_code=303)
