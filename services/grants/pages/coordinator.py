"""Pages for the programme's coordinator: calls, a new call, a call's progress, ranking and
decision."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect

from services.grants import commands, domain, queries
from services.grants.mails import FORMAL_CRITERIA, day_text
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
    catalogs,
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
from services.grants.schemas import (
    CallIn,
    DecisionIn,
    EvaluatorIn,
    FormalCheckIn,
    ReportReviewIn,
)
from shared import content
from shared.auth import requires
from shared.events import utcnow
from shared.refusals import N_, WARSAW, Refused
from shared.runtime import Runtime
from shared.web.forms import warsaw_moment
from shared.web.i18n import negotiate_language

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
    drafts: dict[str, str] | None = None,
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
        call_states=CALL_STATES,
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
    )


def _wants_drafts(values: dict[str, Any]) -> bool:
    """The form's "suggest machine drafts" button was pressed (nothing is saved then)."""
    return values.get("_action") == "draft"


async def _drafts(runtime: Runtime, values: dict[str, Any]) -> dict[str, str]:
    """Machine drafts for the empty translation fields of the call's texts and criteria names
    (`{}` without a provider or when it fails): shown pre-filled, saved only as staff save."""
    originals = {name: field_text(values, name) for name in ("title", "description")}
    originals |= {f"c{i}_name": field_text(values, f"c{i}_name") for i in range(CRITERIA_ROWS)}
    return await content.drafts(runtime.settings, originals, "pl", values)


CALL_STATES = {
    "announced": N_("announced"),
    "open": N_("open"),
    "closed": N_("closed"),
    "decided": N_("decided"),
}


CALL_INPUT = {
    "title": "form.call_title",
    "description": "form.call_description",
    "formal_check_due_on": "form.date",
    "evaluation_due_on": "form.date",
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
_CRITERION = re.compile(
    r"^criteria\[(\d+)\](?:\.(key|name|weight|max_points|name_i18n))?(?:\.(en|uk))?"
)
_TRANSLATION = re.compile(r"^(title|description)_i18n\.(en|uk)")


def _call_input(path: str, limits: dict[str, Any]) -> Refusal:
    match = _CRITERION.match(path)
    text = _TRANSLATION.match(path)
    if text:
        code = "form.call_title" if text.group(1) == "title" else "form.call_description"
    elif match and match.group(2) == "name_i18n":
        code = "form.criterion_translation"
    elif match:
        code = CRITERION_INPUT.get(match.group(2) or "", "form.refused")
    elif path.endswith(".currency"):
        code = "form.currency"
    else:
        code = CALL_INPUT.get(top_field(path), "form.refused")
    return Refusal(code, limits, path)


def _call_place(rows: list[int]) -> Callable[[Refusal], Placement]:
    def place(refused: Refusal) -> Placement:
        if refused.field in CALL_FIELD_ORDER:  # said by the form itself, at its field
            return refused.field, refused
        fields = {part: f"c{{row}}_{suffix}" for part, suffix in CRITERION_PARTS.items()}
        match = _CRITERION.match(refused.field or "")
        if match and match.group(2) == "name_i18n" and int(match.group(1)) < len(rows):
            fields["name_i18n"] = "c{row}_name__" + (match.group(3) or "en")
        in_row = row_field(refused, _CRITERION, rows, fields, "form.in_criterion_row")
        if in_row is not None:
            return in_row
        text = _TRANSLATION.match(refused.field or "")
        if text:
            part, lang = text.groups()
            return f"{part}__{lang}", refused
        if refused.code == "form.currency":
            return "currency", refused
        name = top_field(refused.field)
        return (name if name in CALL_INPUT else None), refused

    return place


def major(amount: int) -> str:
    """Minor units as typed in a form: 250050 → '2500.50'."""
    return f"{amount // 100}.{amount % 100:02d}"


def warsaw_local(moment: datetime) -> str:
    """A stored moment as a datetime-local field shows it (Warsaw wall time; seconds only when
    it has them, so saving the form unchanged keeps it)."""
    local = moment.astimezone(WARSAW)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def _warsaw_input(text: str) -> str | None:
    """A datetime-local field (Warsaw wall time) as RFC 3339, or None: not a time, carrying an
    offset of its own, or a time the spring clock change skips (`warsaw_moment`)."""
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = warsaw_moment(naive) if naive.tzinfo is None else None
    return moment.isoformat() if moment else None


OTHER_LANGUAGES = ("en", "uk")  # Polish is the call's own text (the API's title, description)


def _call_body(values: dict[str, Any]) -> tuple[dict[str, Any], list[Refusal], list[int]]:
    """The API's call body from the form (amounts typed in złoty or euro, times and days in
    Europe/Warsaw), what the form itself refuses, and the criteria rows filled in."""
    currency = field_text(values, "currency") or "PLN"
    refused: list[Refusal] = []
    rows = [
        i
        for i in range(CRITERIA_ROWS)
        if any(field_text(values, f"c{i}_{part}") for part in CRITERION_PARTS.values())
    ]
    criteria = []
    for i in rows:
        names = {lang: field_text(values, f"c{i}_name__{lang}") for lang in OTHER_LANGUAGES}
        for lang, name in names.items():  # the API's name is the Polish one
            if name and not 2 <= len(name) <= 200:
                named = f"c{i}_name__{lang}"
                refused.append(Refusal("form.criterion_translation", {"min": 2, "max": 200}, named))
        criteria.append(
            {
                "key": field_text(values, f"c{i}_key"),
                "name": field_text(values, f"c{i}_name"),
                "weight": number(field_text(values, f"c{i}_weight")),
                "max_points": whole(field_text(values, f"c{i}_max"), -1),
                "name_i18n": {lang: name for lang, name in names.items() if name},
            }
        )
    money = {}
    for name in ("budget_total", "max_per_grant"):
        amount = minor(field_text(values, name))  # typed in złoty, stored in grosze
        if amount is None:
            refused.append(Refusal(CALL_INPUT[name], {}, name))
        money[name] = {"amount": amount, "currency": currency}
    moments = {}
    for name in ("opens_at", "closes_at"):
        moments[name] = _warsaw_input(field_text(values, name))
        if moments[name] is None:
            refused.append(Refusal(CALL_INPUT[name], {}, name))
    days: dict[str, Any] = {}
    for name in ("formal_check_due_on", "evaluation_due_on"):
        text = field_text(values, name)
        if text:
            try:
                days[name] = date.fromisoformat(text).isoformat()
            except ValueError:
                refused.append(Refusal("form.date", {}, name))
    # The API's title and description are the Polish ones; the others are `<field>__<lang>`.
    i18n: dict[str, dict[str, str]] = {"title": {}, "description": {}}
    for part, limit in (("title", 200), ("description", 10000)):
        for lang in OTHER_LANGUAGES:
            text = field_text(values, f"{part}__{lang}")
            if not text:
                continue
            i18n[part][lang] = text
            if len(text) > limit or (part == "title" and len(text) < 3):
                limits = {"min": 3, "max": 200} if part == "title" else {"max": limit}
                refused.append(Refusal(CALL_INPUT[part], limits, f"{part}__{lang}"))
    body = {
        "title": field_text(values, "title"),
        "description": field_text(values, "description"),
        "title_i18n": i18n["title"],
        "description_i18n": i18n["description"],
        **money,
        **moments,
        **days,
        "criteria": criteria,
        "objectives": choices(values.get("objectives")) or [3],
        "evaluators_per_application": whole(field_text(values, "evaluators_per_application"), 2),
        "allow_partial_funding": values.get("allow_partial_funding") == "yes",
    }
    skip = [r.field for r in refused if r.field] + ["title_i18n", "description_i18n"]
    skip += [f"criteria[{n}].name_i18n" for n in range(len(rows))]
    refused += [
        _call_input(path, limits) for path, limits in input_problems(body, CallIn, skip=skip)
    ]
    return body, refused, rows


CALL_FIELD_ORDER = [
    "title",
    "description",
    *(f"{part}__{lang}" for part in ("title", "description") for lang in OTHER_LANGUAGES),
    "currency",
    "budget_total",
    "max_per_grant",
    "opens_at",
    "closes_at",
    "formal_check_due_on",
    "evaluation_due_on",
    "evaluators_per_application",
    "criteria",
    *(
        f"c{i}_{part}"
        for i in range(CRITERIA_ROWS)
        for part in ("key", "name", "name__en", "name__uk", "weight", "max")
    ),
]


@post("/grants/coordinator", guards=[requires("coordinator")], exception_handlers=REFUSED)
async def coordinator_new_call(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    values = await form_values(request)
    if _wants_drafts(values):
        drafts = await _drafts(runtime, values)
        return await _render_coordinator(request, runtime, values, FormErrors(), 200, drafts)
    body, refused, rows = _call_body(values)
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, CallIn)
            created = await commands.create_call(runtime, who(request), data)
            call_id = created.id  # type: ignore[union-attr] # no key, no replay
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(speaker_for(request), refused, _call_place(rows), CALL_FIELD_ORDER)
        return await _render_coordinator(request, runtime, values, errors, status)
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)


def _form_of_call(call: Any, criteria: list[Any]) -> dict[str, Any]:
    """An announced call as its edit form shows it: amounts in złoty (or euro), times and days
    in Europe/Warsaw, each language's texts."""
    values: dict[str, Any] = {
        "title": call["title"],
        "description": call["description"],
        "currency": call["currency"],
        "budget_total": major(call["budget_total"]),
        "max_per_grant": major(call["max_per_grant"]),
        "opens_at": warsaw_local(call["opens_at"]),
        "closes_at": warsaw_local(call["closes_at"]),
        "formal_check_due_on": (call["formal_check_due_on"] or "")
        and str(call["formal_check_due_on"]),
        "evaluation_due_on": (call["evaluation_due_on"] or "") and str(call["evaluation_due_on"]),
        "evaluators_per_application": str(call["evaluators_per_application"]),
        "allow_partial_funding": "yes" if call["allow_partial_funding"] else None,
        "objectives": [str(o) for o in call["objectives"]],
    }
    values |= content.form_values("title", call["title_i18n"])
    values |= content.form_values("description", call["description_i18n"])
    for i, c in enumerate(criteria):
        weight = Decimal(c["weight"]).normalize()
        values |= {
            f"c{i}_key": c["key"],
            f"c{i}_name": c["name"],
            f"c{i}_weight": f"{weight:f}",
            f"c{i}_max": str(c["max_points"]),
            **content.form_values(f"c{i}_name", c["name_i18n"]),
        }
    return values


@get(
    "/grants/coordinator/calls/{call_id:uuid}/edit",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def coordinator_edit_call(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    call, criteria = await queries.call_and_criteria(runtime, call_id)
    return _render_edit(request, runtime, call, _form_of_call(call, criteria), FormErrors(), 200)


def _render_edit(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    call: Any,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
    drafts: dict[str, str] | None = None,
) -> Response[str]:
    return pages.render(
        request,
        "grants/coordinator_edit.html",
        status,
        call=call,
        open=utcnow() >= call["opens_at"] or call["decision_published_at"] is not None,
        errors=errors.fields,
        form_errors=errors.form,
        values=values,
        rows=range(CRITERIA_ROWS),
        when=domain.warsaw_text,
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
    )


@post(
    "/grants/coordinator/calls/{call_id:uuid}/edit",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def coordinator_update_call(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    values = await form_values(request)
    call, _ = await queries.call_and_criteria(runtime, call_id)
    if _wants_drafts(values):
        drafts = await _drafts(runtime, values)
        return _render_edit(request, runtime, call, values, FormErrors(), 200, drafts)
    body, refused, rows = _call_body(values)
    # What the form does not show stays as it was (set through the API).
    body["objectives"] = list(call["objectives"])
    body["eligible_kinds"] = list(call["eligible_kinds"])
    body["report_due_on"] = call["report_due_on"].isoformat()
    status = 400
    if not refused:
        try:
            data = msgspec.convert(body, CallIn)
            await commands.update_call(runtime, who(request), call_id, data)
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(speaker_for(request), refused, _call_place(rows), CALL_FIELD_ORDER)
        return _render_edit(request, runtime, call, values, errors, status)
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
    staff = await queries.staff_call_page(runtime, call_id)
    speaker = speaker_for(request)
    lang = negotiate_language(request)
    return pages.render(
        request,
        "grants/coordinator_call.html",
        status,
        **progress | {"blocking": [speaker.say(r) for r in progress["blocking"]]},
        **staff,
        state=queries.call_status(progress["call"], utcnow()),
        check_overdue=bool(staff["awaiting_check"])
        and progress["call"]["formal_check_due_on"] is not None
        and domain.warsaw_today(utcnow()) > progress["call"]["formal_check_due_on"],
        call_states=CALL_STATES,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        money=lambda amount, currency: speaker.amount(amount, currency),
        when=domain.warsaw_text,
        day=lambda d: day_text(d, lang),
    )


def _award_place(titles: dict[uuid.UUID, str]) -> Callable[[Refusal], Placement]:
    def place(refused: Refusal) -> Placement:
        app_id = refused.params.get("application_id")
        if app_id in titles:
            wrapped = Refusal("form.in_application", {"title": titles[app_id], "message": refused})
            return f"award_{app_id}", wrapped
        return (refused.field if refused.field in ("awards", "confirm") else None), refused

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
    # It cannot be undone: said, and ticked, first (the box is there once nothing blocks it).
    if ranking.ready and values.get("confirm") != "yes":
        refused.append(Refusal("form.confirm_decision", {}, "confirm"))
    status = 400
    if not refused:
        try:
            await commands.publish_decision(
                runtime, call_id, msgspec.convert({"awards": awards}, DecisionIn)
            )
        except (Refused, msgspec.ValidationError) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [f"award_{item.application_id}" for item in ranking.items] + ["awards", "confirm"]
        errors = explain(speaker_for(request), refused, _award_place(titles), order)
        return await _coordinator_call(request, call_id, runtime, values, errors, status)
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)


# --- The formal check -------------------------------------------------------------------


@get(
    "/grants/coordinator/calls/{call_id:uuid}/formal-check",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def formal_check_list(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """The applications of a call awaiting the formal check, oldest first."""
    call, items = await queries.formal_check_queue(runtime, call_id)
    speaker = speaker_for(request)
    lang = negotiate_language(request)
    return pages.render(
        request,
        "grants/formal_check_list.html",
        call=call,
        items=items,
        overdue=bool(call["formal_check_due_on"])
        and domain.warsaw_today(utcnow()) > call["formal_check_due_on"],
        money=speaker.amount,
        when=domain.warsaw_text,
        day=lambda d: day_text(d, lang),
    )


async def _render_check(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    app_id: uuid.UUID,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    seen = await queries.application_for_check(runtime, app_id)
    speaker = speaker_for(request)
    return pages.render(
        request,
        "grants/formal_check.html",
        status,
        **seen,
        criteria=FORMAL_CRITERIA,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        money=speaker.amount,
        when=domain.warsaw_text,
    )


@get(
    "/grants/coordinator/applications/{app_id:uuid}/formal-check",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def formal_check_form(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _render_check(request, runtime, app_id, {}, FormErrors(), 200)


def _check_place(lang: str) -> Callable[[Refusal], Placement]:
    """Fields are named check_<criterion> (`objectives` is also an application form's list);
    each message names its criterion."""

    def named(criterion: str, refused: Refusal) -> Refusal:
        name = catalogs.gettext(lang, FORMAL_CRITERIA[criterion])
        return Refusal("form.in_criterion", {"criterion": name, "message": refused})

    def place(refused: Refusal) -> Placement:
        field = refused.field or ""
        match = re.match(r"^findings\[(\d+)\]\.reason$", field)
        if match:
            criterion = list(FORMAL_CRITERIA)[int(match.group(1))]
            return f"check_{criterion}_reason", named(criterion, refused)
        criterion = field.removeprefix("check_").removesuffix("_reason")
        if field.startswith("check_") and criterion in FORMAL_CRITERIA:
            return field, named(criterion, refused)
        return ("reason" if field == "reason" else None), refused

    return place


@post(
    "/grants/coordinator/applications/{app_id:uuid}/formal-check",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def formal_check_submit(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Pass or fail per formal criterion (a reason for each failed one): the API's formal check
    with its findings; eligible exactly when all passed."""
    values = await form_values(request)
    refused: list[Refusal] = []
    findings = []
    for criterion in FORMAL_CRITERIA:
        answer = values.get(f"check_{criterion}")
        if answer not in ("passed", "failed"):
            refused.append(Refusal("form.finding", {}, f"check_{criterion}"))
            continue
        findings.append(
            {
                "criterion": criterion,
                "passed": answer == "passed",
                "reason": field_text(values, f"check_{criterion}_reason") or None,
            }
        )
    status = 400
    if not refused:
        body = {
            "eligible": all(f["passed"] for f in findings),
            "reason": field_text(values, "reason") or None,
            "findings": findings,
        }
        try:
            data = msgspec.convert(body, FormalCheckIn)
            await commands.formal_check(runtime, who(request), app_id, data)
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        order = [n for c in FORMAL_CRITERIA for n in (f"check_{c}", f"check_{c}_reason")]
        order.append("reason")
        lang = negotiate_language(request)
        errors = explain(speaker_for(request), refused, _check_place(lang), order)
        return await _render_check(request, runtime, app_id, values, errors, status)
    call_id = (await queries.application_for_check(runtime, app_id))["app"].call_id
    return Redirect(f"/grants/coordinator/calls/{call_id}/formal-check", status_code=303)


# --- The evaluator pool -----------------------------------------------------------------

LANGUAGE_NAMES = (("pl", "polski"), ("en", "English"), ("uk", "українська"))
EVALUATOR_INPUT = {
    "name": "form.evaluator_name",
    "email": "form.email",
    "language": "form.language",
}


async def _render_pool(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    call_id: uuid.UUID,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    call, _ = await queries.call_and_criteria(runtime, call_id)
    return pages.render(
        request,
        "grants/pool.html",
        status,
        call=call,
        pool=(await queries.staff_call_page(runtime, call_id))["pool"],
        languages=LANGUAGE_NAMES,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
    )


@get(
    "/grants/coordinator/calls/{call_id:uuid}/evaluators",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def pool_page(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _render_pool(request, runtime, call_id, {}, FormErrors(), 200)


@post(
    "/grants/coordinator/calls/{call_id:uuid}/evaluators",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def pool_add(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Add an evaluator by name and address (the API's command: subject reused or new, the
    invitation mailed in their language)."""
    values = await form_values(request)
    body = {
        "name": field_text(values, "name"),
        "email": field_text(values, "email"),
        "language": field_text(values, "language") or "pl",
    }
    refused = [
        Refusal(EVALUATOR_INPUT.get(top_field(path), "form.refused"), limits, top_field(path))
        for path, limits in input_problems(body, EvaluatorIn)
    ]
    status = 400
    if not refused:
        try:
            await commands.add_evaluator(runtime, call_id, msgspec.convert(body, EvaluatorIn))
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(
            speaker_for(request),
            refused,
            lambda r: ((r.field if r.field in EVALUATOR_INPUT else None), r),
            list(EVALUATOR_INPUT),
        )
        return await _render_pool(request, runtime, call_id, values, errors, status)
    return Redirect(f"/grants/coordinator/calls/{call_id}/evaluators", status_code=303)


@post(
    "/grants/coordinator/calls/{call_id:uuid}/evaluators/{evaluator_id:uuid}/remove",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def pool_remove(
    request: Request[Any, Any, Any],
    call_id: uuid.UUID,
    evaluator_id: uuid.UUID,
    runtime: Runtime,
) -> Response[Any]:
    try:
        await commands.remove_evaluator(runtime, call_id, evaluator_id)
    except Refused as exc:
        if exc.kind != 409:
            raise
        errors = explain(speaker_for(request), refusals_of(exc))
        return await _render_pool(request, runtime, call_id, {}, errors, page_status(exc))
    return Redirect(f"/grants/coordinator/calls/{call_id}/evaluators", status_code=303)


# --- Final reports ----------------------------------------------------------------------


async def _render_report(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    app_id: uuid.UUID,
    values: dict[str, Any],
    errors: FormErrors,
    status: int,
) -> Response[str]:
    report = await queries.report_to_review(runtime, app_id)
    speaker = speaker_for(request)
    return pages.render(
        request,
        "grants/report_review.html",
        status,
        report=report,
        values=values,
        errors=errors.fields,
        form_errors=errors.form,
        money=speaker.amount,
        when=domain.warsaw_text,
    )


@get(
    "/grants/coordinator/reports/{app_id:uuid}",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def report_page(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    return await _render_report(request, runtime, app_id, {}, FormErrors(), 200)


@post(
    "/grants/coordinator/reports/{app_id:uuid}",
    guards=[requires("coordinator")],
    exception_handlers=REFUSED,
)
async def report_review(
    request: Request[Any, Any, Any], app_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Accept the report or return it with a comment: the API's review command."""
    values = await form_values(request)
    refused: list[Refusal] = []
    review = values.get("review")
    if review not in ("accept", "return"):
        refused.append(Refusal("form.review", {}, "review"))
    status = 400
    if not refused:
        body = {"accepted": review == "accept", "comment": field_text(values, "comment") or None}
        refused = [
            Refusal("form.comment", limits, "comment")
            for _, limits in input_problems(body, ReportReviewIn)
        ]
    if not refused:
        try:
            data = msgspec.convert(body, ReportReviewIn)
            await commands.review_report(runtime, who(request), app_id, data)
        except (msgspec.ValidationError, Refused) as exc:
            refused, status = refusals_of(exc), page_status(exc)
    if refused:
        errors = explain(
            speaker_for(request),
            refused,
            lambda r: ((r.field if r.field in ("review", "comment") else None), r),
            ["review", "comment"],
        )
        return await _render_report(request, runtime, app_id, values, errors, status)
    call_id = (await queries.report_to_review(runtime, app_id))["call_id"]
    return Redirect(f"/grants/coordinator/calls/{call_id}", status_code=303)
