"""Pages of the small grants: NGOs apply and follow, evaluators score, the coordinator decides.

Every page works without JavaScript; forms post back here and reuse the API's commands, so
the rules are the same whichever door a person comes through.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from services.grants import api, commands, domain, store
from services.grants.notices import money_text
from services.grants.schemas import ApplicationIn, CallIn, DecisionIn, EvaluationIn, OrganisationIn
from shared import outbox
from shared.auth import current_user, requires
from shared.events import utcnow
from shared.runtime import Runtime
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs
from shared.web.templates import PageRenderer

HERE = Path(__file__).parent
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])
pages = PageRenderer([HERE / "templates"], catalogs)
SCHEMA = "grants"
BUDGET_ROWS = 5
CRITERIA_ROWS = 4


def _errors(exc: Exception) -> dict[str, str]:
    """Field messages of a refused command, for the form's error summary."""
    if isinstance(exc, msgspec.ValidationError):
        return {"form": str(exc)}
    assert isinstance(exc, HTTPException)
    extra = exc.extra if isinstance(exc.extra, list) else []
    fields = {
        str(e.get("key", "form")).split(".")[0].split("[")[0]: str(e.get("message"))
        for e in extra
        if isinstance(e, dict)
    }
    return fields or {"form": exc.detail}


def _minor(text: str) -> int | None:
    """'2 500,50' → 250050 minor units; None when it is not an amount."""
    try:
        value = Decimal(text.replace(" ", "").replace(",", ".")) * 100
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else None


def _money_field(text: str, currency: str) -> dict[str, Any]:
    amount = _minor(text or "")
    return {"amount": amount if amount is not None else -1, "currency": currency}


async def _form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    return {
        k: form.getall(k) if k in ("objectives", "eligible_kinds") else form.get(k) for k in form
    }


def _call_title(call: Any, lang: str) -> str:
    translations = msgspec.json.decode(call["translations"]) if call["translations"] else {}
    return (translations.get(lang) or {}).get("title") or call["title"]


# --- NGOs -------------------------------------------------------------------------------


@get("/grants", guards=[requires("ngo")])
async def home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 100, 0)
        orgs = await store.represented_organisations(conn, current_user(request).subject)  # type: ignore[union-attr]
        org = current_user(request).org or (orgs[0] if orgs else None)  # type: ignore[union-attr]
        apps = (await store.applications_of_org(conn, org, 100, 0))[0] if org else []
    lang = pages.context_for(request, "pl")["lang"]
    calls = [
        dict(r, title=_call_title(r, lang), state=commands.call_status(r, now))
        for r in rows
        if commands.call_status(r, now) in ("open", "announced")
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


@get("/grants/organisation/new", guards=[requires("ngo")])
async def organisation_form(request: Request[Any, Any, Any]) -> Response[str]:
    return pages.render(request, "grants/organisation.html", errors={}, values={})


@post("/grants/organisation/new", guards=[requires("ngo")])
async def organisation_submit(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await _form(request)
    try:
        data = msgspec.convert(
            {k: values.get(k) or None for k in ("name", "nip", "kind", "email", "krs")}
            | {"language": "pl"},
            OrganisationIn,
        )
        async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
            _, events = await commands.register_organisation(
                conn, current_user(request), data, utcnow()
            )  # type: ignore[arg-type]
            await outbox.add(conn, *events)
    except (msgspec.ValidationError, HTTPException) as exc:
        return pages.render(
            request, "grants/organisation.html", 400, errors=_errors(exc), values=values
        )
    return Redirect("/grants", status_code=303)


@get("/grants/calls/{call_id:uuid}/apply", guards=[requires("ngo")])
async def application_form(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await commands.existing_call(conn, call_id)
    return _render_apply(request, call, {}, {}, 200)


def _render_apply(
    request: Request[Any, Any, Any],
    call: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> Response[str]:
    lang = pages.context_for(request, "pl")["lang"]
    return pages.render(
        request,
        "grants/apply.html",
        status,
        call=call,
        call_title=_call_title(call, lang),
        values=values,
        errors=errors,
        rows=range(BUDGET_ROWS),
        money=money_text,
        when=domain.warsaw_text,
    )


@post("/grants/calls/{call_id:uuid}/apply", guards=[requires("ngo")])
async def application_submit(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await _form(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await commands.existing_call(conn, call_id)
    currency = call["currency"]
    lines = [
        {
            "category": values.get(f"line{i}_category") or "",
            "description": values.get(f"line{i}_description") or "",
            "amount": _money_field(values.get(f"line{i}_amount") or "", currency),
        }
        for i in range(BUDGET_ROWS)
        if (values.get(f"line{i}_category") or values.get(f"line{i}_amount"))
    ]
    try:
        data = msgspec.convert(
            {
                "title": values.get("title") or "",
                "summary": values.get("summary") or "",
                "objectives": [int(o) for o in values.get("objectives") or [] if o.isdigit()],
                "requested": _money_field(values.get("requested") or "", currency),
                "budget_lines": lines,
            },
            ApplicationIn,
        )
        async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
            app_id = await commands.create_application(
                conn, current_user(request), call_id, data, utcnow()
            )  # type: ignore[arg-type]
    except (msgspec.ValidationError, HTTPException) as exc:
        return _render_apply(request, call, values, _errors(exc), 400)
    return Redirect(f"/grants/applications/{app_id}", status_code=303)


@get("/grants/applications/{app_id:uuid}", guards=[requires("ngo")])
async def application_page(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await commands.own_application(conn, current_user(request), app_id)  # type: ignore[arg-type]
        call = await commands.existing_call(conn, row["call_id"])
    lang = pages.context_for(request, "pl")["lang"]
    return pages.render(
        request,
        "grants/application.html",
        app=api.application_view(row),
        call=call,
        call_title=_call_title(call, lang),
        errors={},
        money=money_text,
        when=domain.warsaw_text,
    )


@post("/grants/applications/{app_id:uuid}/{action:str}", guards=[requires("ngo")])
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
        async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
            events = await command(conn, current_user(request), app_id, utcnow())  # type: ignore[arg-type]
            if events:
                await outbox.add(conn, *events)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        async with runtime.pool(SCHEMA).acquire() as conn:
            row = await commands.own_application(conn, current_user(request), app_id)  # type: ignore[arg-type]
            call = await commands.existing_call(conn, row["call_id"])
        lang = pages.context_for(request, "pl")["lang"]
        return pages.render(
            request,
            "grants/application.html",
            409,
            app=api.application_view(row),
            call=call,
            call_title=_call_title(call, lang),
            errors={"form": exc.detail},
            money=money_text,
            when=domain.warsaw_text,
        )
    return Redirect(f"/grants/applications/{app_id}", status_code=303)


# --- Evaluators -------------------------------------------------------------------------


@get("/grants/evaluate", guards=[requires("evaluator")])
async def evaluator_queue(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.queue_of(conn, current_user(request).subject, 500, 0)  # type: ignore[union-attr]
    return pages.render(request, "grants/queue.html", items=rows)


async def _score_context(
    conn: Any, request: Request[Any, Any, Any], app_id: uuid.UUID
) -> dict[str, Any]:
    assignment = await store.assignment_of(conn, app_id, current_user(request).subject)  # type: ignore[union-attr]
    if assignment is None:
        raise HTTPException(status_code=403)
    row = await store.application(conn, app_id)
    return {
        "app": api.application_view(row),
        "criteria": await store.criteria(conn, row["call_id"]),
        "done": assignment["submitted_at"] is not None,
        "money": money_text,
    }


@get("/grants/evaluate/{app_id:uuid}", guards=[requires("evaluator")])
async def score_form(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        context = await _score_context(conn, request, app_id)
    return pages.render(request, "grants/score.html", errors={}, values={}, **context)


@post("/grants/evaluate/{app_id:uuid}", guards=[requires("evaluator")])
async def score_submit(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await _form(request)
    conflict = values.get("conflict_of_interest") == "yes"
    async with runtime.pool(SCHEMA).acquire() as conn:
        context = await _score_context(conn, request, app_id)
    scores = {}
    for c in context["criteria"]:
        raw = (values.get(f"score_{c['key']}") or "").strip()
        scores[c["key"]] = int(raw) if raw.lstrip("-").isdigit() else -1
    try:
        data = EvaluationIn(
            scores=None if conflict else scores,
            comment=values.get("comment") or None,
            conflict_of_interest=conflict,
        )
        async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
            _, events = await commands.evaluate(conn, current_user(request), app_id, data, utcnow())  # type: ignore[arg-type]
            await outbox.add(conn, *events)
    except HTTPException as exc:
        return pages.render(
            request, "grants/score.html", 400, errors=_errors(exc), values=values, **context
        )
    return Redirect("/grants/evaluate", status_code=303)


# --- Coordinator ------------------------------------------------------------------------


@get("/grants/coordinator", guards=[requires("coordinator")])
async def coordinator_home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await store.list_calls(conn, 200, 0)
    calls = [dict(r, state=commands.call_status(r, now)) for r in rows]
    return pages.render(
        request,
        "grants/coordinator.html",
        calls=calls,
        errors={},
        values={},
        rows=range(CRITERIA_ROWS),
        when=domain.warsaw_text,
    )


@post("/grants/coordinator", guards=[requires("coordinator")])
async def coordinator_new_call(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await _form(request)
    currency = values.get("currency") or "PLN"
    criteria = [
        {
            "key": values.get(f"c{i}_key") or "",
            "name": values.get(f"c{i}_name") or "",
            "weight": float(values.get(f"c{i}_weight") or 0)
            if (values.get(f"c{i}_weight") or "").replace(".", "", 1).isdigit()
            else 0,
            "max_points": int(values.get(f"c{i}_max") or 0)
            if (values.get(f"c{i}_max") or "").isdigit()
            else 0,
        }
        for i in range(CRITERIA_ROWS)
        if values.get(f"c{i}_key")
    ]
    try:
        body = {
            "title": values.get("title") or "",
            "description": values.get("description") or "",
            "budget_total": _money_field(values.get("budget_total") or "", currency),
            "max_per_grant": _money_field(values.get("max_per_grant") or "", currency),
            "opens_at": _warsaw_input(values.get("opens_at")),
            "closes_at": _warsaw_input(values.get("closes_at")),
            "criteria": criteria,
            "objectives": [int(o) for o in values.get("objectives") or [] if o.isdigit()] or [3],
            "evaluators_per_application": int(values.get("evaluators_per_application") or 2),
            "allow_partial_funding": values.get("allow_partial_funding") == "yes",
        }
        data = msgspec.convert(body, CallIn)
        async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
            call_id, events = await commands.create_call(
                conn, current_user(request), data, utcnow()
            )  # type: ignore[arg-type]
            await outbox.add(conn, *events)
    except (msgspec.ValidationError, HTTPException, ValueError) as exc:
        errors = (
            _errors(exc)
            if not isinstance(exc, ValueError) or isinstance(exc, msgspec.ValidationError)
            else {"form": str(exc)}
        )
        async with runtime.pool(SCHEMA).acquire() as conn:
            rows, _ = await store.list_calls(conn, 200, 0)
        calls = [dict(r, state=commands.call_status(r, utcnow())) for r in rows]
        return pages.render(
            request,
            "grants/coordinator.html",
            400,
            calls=calls,
            errors=errors,
            values=values,
            rows=range(CRITERIA_ROWS),
            when=domain.warsaw_text,
        )
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)


def _warsaw_input(text: str | None) -> str:
    """A datetime-local field (Warsaw wall time) as RFC 3339 with the right offset."""
    if not text:
        raise ValueError("enter the opening and closing times")
    return datetime.fromisoformat(text).replace(tzinfo=domain.WARSAW).isoformat()


@get("/grants/coordinator/calls/{call_id:uuid}", guards=[requires("coordinator")])
async def coordinator_call(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _coordinator_call(request, call_id, runtime, {}, 200)


async def _coordinator_call(
    request: Request[Any, Any, Any],
    call_id: uuid.UUID,
    runtime: Runtime,
    errors: dict[str, str],
    status: int,
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await commands.existing_call(conn, call_id)
        applications, _ = await store.applications_of_call(conn, call_id, 500, 0)
        ranking = await api.ranking_of(conn, call_id)
        awards = await store.published_awards(conn, call_id)
    return pages.render(
        request,
        "grants/coordinator_call.html",
        status,
        call=call,
        applications=applications,
        ranking=ranking,
        awards=awards,
        errors=errors,
        money=money_text,
        when=domain.warsaw_text,
    )


@post("/grants/coordinator/calls/{call_id:uuid}/decision", guards=[requires("coordinator")])
async def coordinator_decide(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await _form(request)
    try:
        async with runtime.pool(SCHEMA).acquire() as conn:
            call = await commands.existing_call(conn, call_id)
            ranking = await api.ranking_of(conn, call_id)
        awards = []
        for item in ranking.items:
            amount = _minor(values.get(f"award_{item.application_id}") or "0") or 0
            if amount > 0:
                awards.append(
                    {
                        "application_id": str(item.application_id),
                        "amount": {"amount": amount, "currency": call["currency"]},
                    }
                )
        await api.publish_decision(
            runtime, call_id, msgspec.convert({"awards": awards}, DecisionIn)
        )
    except (HTTPException, msgspec.ValidationError) as exc:
        return await _coordinator_call(
            request,
            call_id,
            runtime,
            _errors(exc),
            409 if isinstance(exc, HTTPException) and exc.status_code == 409 else 400,
        )
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
