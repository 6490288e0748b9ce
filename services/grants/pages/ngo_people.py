"""Pages of the people who act for organisations, with no staff step: registering a new
organisation (public), asking to join one already registered (public) and confirming it, a
representative's approval of such requests, and the grantee's final report.

Each form calls the same command as anything else that does it (commands_ngo.py, and the API's
`commands.submit_report`); a refused form comes back with what was typed and every message in
the page's language.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from babel.dates import format_date
from litestar import Request, Response, get, post
from litestar.response import Redirect

from services.grants import commands, commands_ngo, domain, queries_ngo
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
    REFUSED,
    field_text,
    form_values,
    minor,
    pages,
    speaker_for,
    who,
    whole,
)
from services.grants.refusals import Refusal
from services.grants.schemas import JoinRequestIn, RegistrationIn, ReportIn
from shared.auth import requires
from shared.ratelimit import RateLimited
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language
from shared.web.pages import rate_limited_page

LANGUAGES = ("pl", "en", "uk")


def _language(values: dict[str, Any], request: Request[Any, Any, Any]) -> str:
    chosen = field_text(values, "language")
    return chosen if chosen in LANGUAGES else negotiate_language(request)


def _at_field(names: dict[str, str]) -> Any:
    def place(refused: Refusal) -> Placement:
        name = top_field(refused.field)
        return (name if name in names else None), refused

    return place


def _person_refusals(body: dict[str, Any], struct: Any, names: dict[str, str]) -> list[Refusal]:
    """Form input the schema refuses, each said by the form's words; consent is asked for."""
    refused = [
        Refusal(names.get(top_field(path), "form.refused"), limits, path)
        for path, limits in input_problems(body, struct)
    ]
    if not body.get("consent"):
        refused.append(Refusal("people.consent", field="consent"))
    return refused


async def _limited(request: Request[Any, Any, Any], runtime: Runtime, email: str) -> None:
    """An anonymous door that makes us write to an address: counted per client and address."""
    await runtime.limiter.check_client(request, "forms")
    if email:
        await runtime.limiter.check_address(email)


# --- A new organisation registers itself ------------------------------------------------

REGISTRATION_INPUT = {
    "name": "form.person_name",
    "email": "form.email",
    "consent": "people.consent",
    "language": "form.refused",
}


def _render_register(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: FormErrors, status: int
) -> Response[str]:
    return pages.render(
        request,
        "grants/register.html",
        status,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        language=values.get("language") or negotiate_language(request),
    )


@get("/grants/register", exception_handlers=REFUSED)
async def register_form(request: Request[Any, Any, Any]) -> Response[str]:
    return _render_register(request, {}, FormErrors(), 200)


@post("/grants/register", exception_handlers=REFUSED)
async def register_submit(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await form_values(request)
    body = {
        "name": field_text(values, "name"),
        "email": field_text(values, "email"),
        "consent": values.get("consent") == "yes",
        "language": _language(values, request),
    }
    values["language"] = body["language"]
    try:
        await _limited(request, runtime, body["email"])
    except RateLimited as exc:
        return rate_limited_page(
            request,
            exc,
            pages,
            "grants/register.html",
            values=values,
            errors={},
            form_errors=[],
            language=body["language"],
        )
    refused = _person_refusals(body, RegistrationIn, REGISTRATION_INPUT)
    status = 400
    if not refused:
        try:
            await commands_ngo.request_registration(runtime, msgspec.convert(body, RegistrationIn))
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(
            speaker_for(request), refused, _at_field(REGISTRATION_INPUT), list(REGISTRATION_INPUT)
        )
        return _render_register(request, values, errors, status)
    # The same answer whether or not the address is known.
    return pages.render(request, "grants/sent.html", email=body["email"], what="register")


# --- A second representative asks to join -----------------------------------------------

JOIN_INPUT = {
    "nip": "organisation.nip_digits",
    "organisation_id": "join.organisation_missing",
    "name": "form.person_name",
    "email": "form.email",
    "consent": "people.consent",
    "language": "form.refused",
}


async def _render_join(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    q = field_text(values, "q")
    rows = await queries_ngo.organisations_named(runtime, q) if len(q) >= 2 else []
    found = [(str(r["id"]), f"{r['name']} (NIP {r['nip']})") for r in rows]
    return pages.render(
        request,
        "grants/join.html",
        status,
        q=q,
        searched=bool(q),
        found=found,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        language=values.get("language") or negotiate_language(request),
    )


@get("/grants/join", exception_handlers=REFUSED)
async def join_form(
    request: Request[Any, Any, Any], runtime: Runtime, q: str = ""
) -> Response[str]:
    return await _render_join(request, runtime, {"q": q.strip()[:100]}, FormErrors(), 200)


@post("/grants/join", exception_handlers=REFUSED)
async def join_submit(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await form_values(request)
    chosen = field_text(values, "organisation_id")
    try:
        organisation_id = uuid.UUID(chosen) if chosen else None
    except ValueError:
        organisation_id = None
    body = {
        "name": field_text(values, "name"),
        "email": field_text(values, "email"),
        "consent": values.get("consent") == "yes",
        "language": _language(values, request),
        "organisation_id": str(organisation_id) if organisation_id else None,
        "nip": field_text(values, "nip") or None,
    }
    values["language"] = body["language"]
    try:
        await _limited(request, runtime, body["email"])
    except RateLimited as exc:
        return rate_limited_page(
            request,
            exc,
            pages,
            "grants/join.html",
            q="",
            searched=False,
            found=[],
            values=values,
            errors={},
            form_errors=[],
            language=body["language"],
        )
    refused = _person_refusals(body, JoinRequestIn, JOIN_INPUT)
    status = 400
    if not refused:
        try:
            await commands_ngo.request_join(runtime, msgspec.convert(body, JoinRequestIn))
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(speaker_for(request), refused, _at_field(JOIN_INPUT), list(JOIN_INPUT))
        return await _render_join(request, runtime, values, errors, status)
    return pages.render(request, "grants/sent.html", email=body["email"], what="join")


@get("/grants/join/{request_id:uuid}", guards=[requires("ngo")], exception_handlers=REFUSED)
async def join_request_page(
    request: Request[Any, Any, Any], request_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    row = await queries_ngo.own_join_request(runtime, who(request), request_id)
    return pages.render(request, "grants/join_confirm.html", request_row=row, form_errors=[])


@post("/grants/join/{request_id:uuid}", guards=[requires("ngo")], exception_handlers=REFUSED)
async def join_request_confirm(
    request: Request[Any, Any, Any], request_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    try:
        await commands_ngo.confirm_join(runtime, who(request), request_id)
    except Refused as exc:
        row = await queries_ngo.own_join_request(runtime, who(request), request_id)
        errors = explain(speaker_for(request), refusals_of(exc), lambda r: (None, r))
        return pages.render(
            request,
            "grants/join_confirm.html",
            page_status(exc),
            request_row=row,
            form_errors=errors.form,
        )
    return Redirect(f"/grants/join/{request_id}", status_code=303)


# --- A representative decides ------------------------------------------------------------


@get("/grants/join-requests", guards=[requires("ngo")], exception_handlers=REFUSED)
async def join_requests(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    rows = await queries_ngo.join_requests_to_decide(runtime, who(request))
    return pages.render(request, "grants/join_requests.html", rows=rows)


def _render_decision(
    request: Request[Any, Any, Any], row: Any, errors: FormErrors, status: int
) -> Response[str]:
    return pages.render(
        request,
        "grants/join_request.html",
        status,
        request_row=row,
        errors=errors.fields,
        form_errors=errors.form,
        when=domain.warsaw_text,
    )


@get(
    "/grants/join-requests/{request_id:uuid}", guards=[requires("ngo")], exception_handlers=REFUSED
)
async def join_request_decision(
    request: Request[Any, Any, Any], request_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    row = await queries_ngo.join_request_to_decide(runtime, who(request), request_id)
    return _render_decision(request, row, FormErrors(), 200)


@post(
    "/grants/join-requests/{request_id:uuid}", guards=[requires("ngo")], exception_handlers=REFUSED
)
async def join_request_decide(
    request: Request[Any, Any, Any], request_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await form_values(request)
    decision = field_text(values, "decision")
    speaker = speaker_for(request)
    if values.get("confirm") != "yes" or decision not in ("approve", "decline"):
        row = await queries_ngo.join_request_to_decide(runtime, who(request), request_id)
        errors = explain(speaker, [Refusal("form.confirm", field="confirm")])
        return _render_decision(request, row, errors, 400)
    try:
        await commands_ngo.decide_join(
            runtime, who(request), request_id, approve=decision == "approve"
        )
    except Refused as exc:
        row = await queries_ngo.join_request_to_decide(runtime, who(request), request_id)
        errors = explain(speaker, refusals_of(exc), lambda r: (None, r))
        return _render_decision(request, row, errors, page_status(exc))
    return Redirect(f"/grants/join-requests/{request_id}", status_code=303)


# --- The grantee's final report ---------------------------------------------------------

REPORT_INPUT = {
    "activities": "form.activities",
    "participants_reached": "form.participants",
    "spent": "form.spent",
    "final": "form.confirm",
}


async def _render_report(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    app_id: uuid.UUID,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    view = await queries_ngo.report_view(runtime, who(request), app_id)
    lang = negotiate_language(request)
    return pages.render(
        request,
        "grants/report.html",
        status,
        **view,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        money=speaker_for(request).amount,  # 2 000,00 € in the page's locale
        day=lambda d: format_date(d, "long", locale=lang),
    )


@get(
    "/grants/applications/{app_id:uuid}/report",
    guards=[requires("ngo")],
    exception_handlers=REFUSED,
)
async def report_form(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _render_report(request, runtime, app_id, {}, FormErrors(), 200)


@post(
    "/grants/applications/{app_id:uuid}/report",
    guards=[requires("ngo")],
    exception_handlers=REFUSED,
)
async def report_submit(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await form_values(request)
    view = await queries_ngo.report_view(runtime, who(request), app_id)
    currency = view["app"].requested.currency
    spent = minor(field_text(values, "spent"))
    body = {
        "activities": field_text(values, "activities"),
        "participants_reached": whole(values.get("participants_reached"), -1),
        "spent": {"amount": spent if spent is not None else -1, "currency": currency},
    }
    refused = [
        Refusal(
            REPORT_INPUT.get(top_field(path), "form.refused"),
            {**limits, "currency": currency},
            path,
        )
        for path, limits in input_problems(body, ReportIn)
    ]
    if spent is None or spent < 0:
        refused = [r for r in refused if top_field(r.field) != "spent"]
        refused.append(Refusal("form.spent", {"currency": currency}, "spent"))
    if values.get("final") != "yes":  # the confirmation that a report cannot be changed
        refused.append(Refusal("form.confirm", field="final"))
    status = 400
    if not refused:
        try:
            await commands.submit_report(
                runtime, who(request), app_id, msgspec.convert(body, ReportIn)
            )
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(speaker_for(request), refused, _at_field(REPORT_INPUT), list(REPORT_INPUT))
        return await _render_report(request, runtime, app_id, values, errors, status)
    return Redirect(f"/grants/applications/{app_id}/report", status_code=303)
