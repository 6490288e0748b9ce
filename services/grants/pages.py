"""Pages of the small grants: NGOs apply and follow, evaluators score, the coordinator decides.

Every page works without JavaScript; forms post back here and reuse the API's commands, so
the rules are the same whichever door a person comes through. A refused form comes back with
what was typed and a message per field in the page's language (services/grants/page_errors.py).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from services.grants import commands, domain, queries, store
from services.grants.mails import money_text
from services.grants.page_errors import (
    FormErrors,
    Placement,
    Speaker,
    explain,
    input_problems,
    page_status,
    refusals_of,
    top_field,
)
from services.grants.refusals import Refusal
from services.grants.schemas import ApplicationIn, CallIn, DecisionIn, EvaluationIn, OrganisationIn
from shared.auth import Principal, current_user, requires
from shared.events import utcnow
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import warsaw_moment
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs, negotiate_language
from shared.web.templates import PageRenderer, kit_pages

HERE = Path(__file__).parent
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])
pages = PageRenderer([HERE / "templates"], catalogs)
SCHEMA = "grants"
BUDGET_ROWS = 5
CRITERIA_ROWS = 4


def _refused_page(request: Request[Any, Any, Any], exc: Refused) -> Response[str]:
    """A refusal no form says (another organisation's application, an unknown call): the
    translated error page of its status, as for any other page error."""
    return kit_pages.render_error(request, int(exc.kind))


# On every page route: app-wide, a refusal is answered as the API's problem details.
REFUSED: Any = {Refused: _refused_page}


def _speaker(request: Request[Any, Any, Any]) -> Speaker:
    return Speaker(catalogs, negotiate_language(request))


_AMOUNT = re.compile(r"-?[0-9]{1,13}(?:[.,][0-9]{1,2})?")


def _minor(text: str) -> int | None:
    """'2 500,50' → 250050 minor units; None when it is not an amount (e.g. '1e9', '2.505')."""
    digits = "".join(text.split())  # people group thousands with spaces
    if not _AMOUNT.fullmatch(digits):
        return None
    return int(Decimal(digits.replace(",", ".")) * 100)


def _whole(text: str | None, default: int) -> int:
    """A whole number typed in a field; `default` when empty, -1 (out of every range) when not one."""
    text = (text or "").strip()
    if not text:
        return default
    return int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else -1


def _number(text: str | None) -> float:
    """A decimal number typed in a field ('2,5' too); 0 (out of range) when it is not one."""
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return 0
    return value if math.isfinite(value) else 0


def _choices(values: list[str] | None) -> list[int]:
    return [int(v) for v in values or [] if re.fullmatch(r"[0-9]{1,3}", v)]


async def _form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    return {
        k: form.getall(k) if k in ("objectives", "eligible_kinds") else form.get(k) for k in form
    }


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _call_title(call: Any, lang: str) -> str:
    translations = msgspec.json.decode(call["translations"]) if call["translations"] else {}
    return (translations.get(lang) or {}).get("title") or call["title"]


def _row_field(
    refused: Refusal,
    pattern: re.Pattern[str],
    rows: list[int],
    fields: Mapping[str, str],
    wrapper: str,
) -> tuple[str, Refusal] | None:
    """A refusal of a part of list item n (e.g. budget_lines[n].amount) placed at the field
    of its form row (`fields` maps the part to the field, {row} filled in), numbered."""
    match = pattern.match(refused.field or "")
    if not match or not match.group(2) or int(match.group(1)) >= len(rows):
        return None
    row = rows[int(match.group(1))]
    name = fields[match.group(2)].format(row=row)
    return name, Refusal(wrapper, {"n": row + 1, "message": refused})


def _who(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in person (the route's guard let only them in)."""
    user = current_user(request)
    assert user is not None
    return user


# --- NGOs -------------------------------------------------------------------------------


@get("/grants", guards=[requires("ngo")], exception_handlers=REFUSED)
async def home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 100, 0)
        orgs = await store.represented_organisations(conn, _who(request).subject)
        org = _who(request).org or (orgs[0] if orgs else None)
        apps = (await store.applications_of_org(conn, org, 100, 0))[0] if org else []
    lang = negotiate_language(request)
    calls = [
        dict(r, title=_call_title(r, lang), state=queries.call_status(r, now))
        for r in rows
        if queries.call_status(r, now) in ("open", "announced")
    ]
    return pages.render(
        request,
        "grants/home.html",
        calls=calls,
        applications=apps,
        has_org=bool(org),
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
    values = await _form(request)
    speaker = _speaker(request)
    # The organisation hears from the city (e.g. the decision) in the language it registered in.
    body = {k: _text(values, k) or None for k in ORGANISATION_INPUT} | {"language": speaker.lang}
    refused = [
        Refusal(ORGANISATION_INPUT.get(top_field(path), "form.refused"), limits, path)
        for path, limits in input_problems(body, OrganisationIn)
    ]
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, OrganisationIn)
            await commands.register_organisation(runtime, _who(request), data)
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
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await queries.existing_call(conn, call_id)
    return _render_apply(request, call, {}, FormErrors(), 200)


def _render_apply(
    request: Request[Any, Any, Any],
    call: Any,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    return pages.render(
        request,
        "grants/apply.html",
        status,
        call=call,
        call_title=_call_title(call, negotiate_language(request)),
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
        in_row = _row_field(refused, _LINE, rows, fields, "form.in_budget_line")
        if in_row is not None:
            return in_row
        name = top_field(refused.field)
        return (name if name in APPLICATION_INPUT else None), refused

    return place


@post("/grants/calls/{call_id:uuid}/apply", guards=[requires("ngo")], exception_handlers=REFUSED)
async def application_submit(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await _form(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await queries.existing_call(conn, call_id)
    currency = call["currency"]
    refused: list[Refusal] = []
    requested = _minor(_text(values, "requested"))
    if requested is None:
        refused.append(Refusal("form.requested", {"currency": currency}, "requested"))
    # A budget row counts once anything is typed in it; the API's list skips empty rows.
    rows = [i for i in range(BUDGET_ROWS) if any(_text(values, f"line{i}_{p}") for p in LINE_PARTS)]
    lines = []
    for n, i in enumerate(rows):
        amount = _minor(_text(values, f"line{i}_amount"))
        if amount is None:
            path = f"budget_lines[{n}].amount"
            refused.append(Refusal("form.line_amount", {"currency": currency}, path))
        lines.append(
            {
                "category": _text(values, f"line{i}_category"),
                "description": _text(values, f"line{i}_description"),
                "amount": {"amount": amount, "currency": currency},
            }
        )
    body = {
        "title": _text(values, "title"),
        "summary": _text(values, "summary"),
        "objectives": _choices(values.get("objectives")),
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
            created = await commands.create_application(runtime, _who(request), call_id, data)
            app_id = created.id  # type: ignore[union-attr] # no key, no replay
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(_speaker(request), refused, _application_place(rows), _application_order())
        return _render_apply(request, call, values, errors, status)
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
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await queries.own_application(conn, _who(request), app_id)
        call = await queries.existing_call(conn, row["call_id"])
    return pages.render(
        request,
        "grants/application.html",
        status,
        app=queries.application_view(row),
        call=call,
        call_title=_call_title(call, negotiate_language(request)),
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
        await command(runtime, _who(request), app_id)
    except Refused as exc:
        if exc.kind != Kind.CONFLICT:
            raise
        errors = explain(_speaker(request), refusals_of(exc), lambda r: (None, r))
        return await _render_application(request, app_id, runtime, errors.form, 409)
    return Redirect(f"/grants/applications/{app_id}", status_code=303)


# --- Evaluators -------------------------------------------------------------------------


@get("/grants/evaluate", guards=[requires("evaluator")], exception_handlers=REFUSED)
async def evaluator_queue(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.queue_of(conn, _who(request).subject, 500, 0)
    return pages.render(request, "grants/queue.html", items=rows)


async def _score_context(
    conn: Any, request: Request[Any, Any, Any], app_id: uuid.UUID
) -> dict[str, Any]:
    assignment = await store.assignment_of(conn, app_id, _who(request).subject)
    if assignment is None:
        raise HTTPException(status_code=403)
    row = await store.application(conn, app_id)
    return {
        "app": queries.application_view(row),
        "criteria": await store.criteria(conn, row["call_id"]),
        "done": assignment["submitted_at"] is not None,
        "money": money_text,
    }


@get("/grants/evaluate/{app_id:uuid}", guards=[requires("evaluator")], exception_handlers=REFUSED)
async def score_form(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        context = await _score_context(conn, request, app_id)
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
        return ("comment" if path == "comment" else None), refused

    return place


@post("/grants/evaluate/{app_id:uuid}", guards=[requires("evaluator")], exception_handlers=REFUSED)
async def score_submit(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await _form(request)
    conflict = values.get("conflict_of_interest") == "yes"
    async with runtime.pool(SCHEMA).acquire() as conn:
        context = await _score_context(conn, request, app_id)
    scores = {}
    for c in context["criteria"]:
        raw = _text(values, f"score_{c['key']}")
        if raw:  # left empty: the rule says "score this criterion"
            scores[c["key"]] = _whole(raw, -1)
    body = {
        "scores": None if conflict else scores,
        "comment": _text(values, "comment") or None,
        "conflict_of_interest": conflict,
    }
    refused = (
        []
        if conflict
        else domain.scores_problems(queries.domain_criteria(context["criteria"]), scores)
    )
    refused += [
        Refusal("form.comment" if path == "comment" else "form.refused", limits, path)
        for path, limits in input_problems(body, EvaluationIn)
    ]
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, EvaluationIn)
            await commands.evaluate(runtime, _who(request), app_id, data)
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [f"score_{c['key']}" for c in context["criteria"]] + ["comment"]
        errors = explain(_speaker(request), refused, _score_place(context["criteria"]), order)
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
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 200, 0)
    calls = [dict(r, state=queries.call_status(r, now)) for r in rows]
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
        in_row = _row_field(refused, _CRITERION, rows, fields, "form.in_criterion_row")
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
    values = await _form(request)
    currency = _text(values, "currency") or "PLN"
    refused: list[Refusal] = []
    rows = [
        i
        for i in range(CRITERIA_ROWS)
        if any(_text(values, f"c{i}_{part}") for part in CRITERION_PARTS.values())
    ]
    criteria = [
        {
            "key": _text(values, f"c{i}_key"),
            "name": _text(values, f"c{i}_name"),
            "weight": _number(_text(values, f"c{i}_weight")),
            "max_points": _whole(_text(values, f"c{i}_max"), -1),
        }
        for i in rows
    ]
    money = {}
    for name in ("budget_total", "max_per_grant"):
        amount = _minor(_text(values, name))
        if amount is None:
            refused.append(Refusal(CALL_INPUT[name], {}, name))
        money[name] = {"amount": amount, "currency": currency}
    moments = {}
    for name in ("opens_at", "closes_at"):
        moments[name] = _warsaw_input(_text(values, name))
        if moments[name] is None:
            refused.append(Refusal(CALL_INPUT[name], {}, name))
    body = {
        "title": _text(values, "title"),
        "description": _text(values, "description"),
        **money,
        **moments,
        "criteria": criteria,
        "objectives": _choices(values.get("objectives")) or [3],
        "evaluators_per_application": _whole(_text(values, "evaluators_per_application"), 2),
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
            created = await commands.create_call(runtime, _who(request), data)
            call_id = created.id  # type: ignore[union-attr] # no key, no replay
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [*CALL_INPUT] + [
            f"c{i}_{part}" for i in range(CRITERIA_ROWS) for part in CRITERION_PARTS.values()
        ]
        errors = explain(_speaker(request), refused, _call_place(rows), order)
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
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await queries.existing_call(conn, call_id)
        applications, _ = await store.applications_of_call(conn, call_id, 500, 0)
        ranking, blocking = await queries.ranking_and_reasons(conn, call_id)
        awards = await store.published_awards(conn, call_id)
    speaker = _speaker(request)
    return pages.render(
        request,
        "grants/coordinator_call.html",
        status,
        call=call,
        applications=applications,
        ranking=ranking,
        blocking=[speaker.say(r) for r in blocking],
        awards=awards,
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
    values = await _form(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await queries.existing_call(conn, call_id)
        ranking, _ = await queries.ranking_and_reasons(conn, call_id)
    titles = {item.application_id: item.title for item in ranking.items}
    refused: list[Refusal] = []
    awards = []
    for item in ranking.items:
        text = _text(values, f"award_{item.application_id}")
        amount = _minor(text) if text else 0
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
        errors = explain(_speaker(request), refused, _award_place(titles), order)
        return await _coordinator_call(request, call_id, runtime, values, errors, status)
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)


route_handlers = [
    home,
    organisation_form,
    organisation_submit,
    application_form,
    application_submit,
    application_page,
    application_action,
    evaluator_queue,
    score_form,
    score_submit,
    coordinator_home,
    coordinator_new_call,
    coordinator_call,
    coordinator_decide,
]
