"""The response team's pages (and the coordinator's), pl/en/uk, no JavaScript:

- `/incidents/staff`: the reports, newest first, filtered by status, category and district;
- `/incidents/staff/reports/{id}`: one report with its history; triage (category confirmed,
  severity) and, once triaged, referral (police, a partner NGO, a city department, with a note);
- `/incidents/staff/team` (coordinator): the response team; adding a person mails them a
  one-time sign-in link, removing one stops their sign-in.

Each form calls the same command as the API; a refusal is said on the form, a success
redirects (303) to the page that shows it.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.response import Redirect

from services.incidents import domain, queries
from services.incidents.commands import reports, team
from services.incidents.i18n import catalogs
from services.incidents.pages import pages
from services.incidents.schemas import TeamMemberIn, TriageIn
from shared import addresses
from shared.auth import requires
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import N_, translate, user_of, warsaw_time
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, page_status

TEAM = [requires("coordinator", "response_team")]
COORDINATOR = [requires("coordinator")]
HOME = "/incidents/staff"

STATUS_LABELS = {
    "received": N_("waiting for triage"),
    "triaged": N_("triaged"),
    "referred": N_("referred"),
}
CATEGORY_LABELS = {
    "hate_speech": N_("hate speech"),
    "graffiti": N_("graffiti"),
    "violence": N_("violence"),
    "office_discrimination": N_("discrimination by an office"),
    "other": N_("other"),
    "unspecified": N_("not chosen"),
}
SEVERITY_LABELS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}
REFERRAL_LABELS = {
    "police": N_("the police"),
    "ngo": N_("a partner NGO"),
    "department": N_("a city department"),
}
POLICE_LABELS = {"yes": N_("yes"), "no": N_("no"), "unsure": N_("does not know")}
STEP_LABELS = {
    "reported": N_("reported"),
    "triaged": N_("triaged"),
    "referred": N_("referred"),
    "erased": N_("erased on request"),
}
DONE = {"triaged": N_("The triage is saved."), "referred": N_("The report is referred.")}
TEAM_DONE = {
    "added": N_("The person is on the team and has been sent a sign-in link."),
    "removed": N_("The person is no longer on the team."),
}
MESSAGES = {
    "category": N_("Choose the category."),
    "severity": N_("Choose the severity."),
    "refer_to": N_("Choose where the report goes."),
    "note": N_("Write a note for the referral, at most 2,000 characters."),
    "name": N_("Write the person's name, 2 to 200 characters."),
    "email": N_("Enter an e-mail address, e.g. name@example.org."),
    "language": N_("Choose the language of the person's e-mails."),
}


def _t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    return translate(catalogs, request, message, **values)


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    return pages.render(
        request,
        template,
        status_code,
        when=warsaw_time,
        status_labels=STATUS_LABELS,
        category_labels=CATEGORY_LABELS,
        severity_labels=SEVERITY_LABELS,
        referral_labels=REFERRAL_LABELS,
        police_labels=POLICE_LABELS,
        step_labels=STEP_LABELS,
        user=user_of(request),
        **context,
    )


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


@get("/incidents/staff", guards=TEAM, include_in_schema=False)
async def report_list(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status: str = Parameter(query="status", default=""),
    category: str = Parameter(query="category", default=""),
    district: str = Parameter(query="district", default=""),
    offset: int = Parameter(query="offset", default=0, ge=0, le=10_000_000),
) -> Response[str]:
    chosen = {
        "status": _choice(status, domain.STATUSES),
        "category": _choice(category, (*domain.CATEGORIES, domain.UNSPECIFIED)),
        "district": _choice(district, (*domain.DISTRICTS, domain.NO_DISTRICT)),
    }
    items, total = await queries.reports(runtime, **chosen, limit=50, offset=offset)
    return render(
        request,
        "incidents/staff/index.html",
        items=items,
        total=total,
        offset=offset,
        chosen={k: v or "" for k, v in chosen.items()},
        statuses=domain.STATUSES,
        categories=(*domain.CATEGORIES, domain.UNSPECIFIED),
        districts=domain.DISTRICT_NAMES,
    )


async def _report_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    report_id: uuid.UUID,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    try:
        row, history = await queries.report_row(runtime, report_id)
    except Refused as exc:
        raise HTTPException(status_code=page_status(exc)) from exc
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(
        request,
        "incidents/staff/report.html",
        status_code,
        report=row,
        history=history,
        categories=domain.CATEGORIES,
        severities=domain.SEVERITIES,
        referrals=domain.REFERRALS,
        **context,
    )


@get("/incidents/staff/reports/{report_id:uuid}", guards=TEAM, include_in_schema=False)
async def report_page(
    request: Request[Any, Any, Any],
    report_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default=""),
) -> Response[str]:
    message = DONE.get(done)
    return await _report_page(
        request, runtime, report_id, done=_t(request, message) if message else None
    )


async def _step(
    request: Request[Any, Any, Any], runtime: Runtime, report_id: uuid.UUID, step: str
) -> Response[Any]:
    form = await request.form()
    values = {
        k: str(form.get(k, "") or "").strip() for k in ("category", "severity", "refer_to", "note")
    }
    errors: dict[str, str] = {}
    if step == "triaged":
        if values["category"] not in domain.CATEGORIES:
            errors["category"] = _t(request, MESSAGES["category"])
        if values["severity"] not in domain.SEVERITIES:
            errors["severity"] = _t(request, MESSAGES["severity"])
    else:
        if values["refer_to"] not in domain.REFERRALS:
            errors["refer_to"] = _t(request, MESSAGES["refer_to"])
        if not values["note"] or len(values["note"]) > domain.MAX_NOTE:
            errors["note"] = _t(request, MESSAGES["note"])
    if not errors:
        data = (
            TriageIn(category=values["category"], severity=values["severity"])  # type: ignore[arg-type]
            if step == "triaged"
            else TriageIn(refer_to=values["refer_to"], note=values["note"])  # type: ignore[arg-type]
        )
        try:
            await reports.triage(runtime, user_of(request).subject, report_id, data)
        except Refused as exc:
            if exc.kind in (Kind.NOT_FOUND, Kind.FORBIDDEN):
                raise HTTPException(status_code=page_status(exc)) from exc
            speaker = Speaker(catalogs, negotiate_language(request))
            errors["refer_to" if step == "referred" else "category"] = speaker.say(exc.first)
            return await _report_page(
                request,
                runtime,
                report_id,
                page_status(exc),
                errors=errors,
                values=values,
                form=step,
            )
        return Redirect(f"{HOME}/reports/{report_id}?done={step}", status_code=303)
    return await _report_page(
        request, runtime, report_id, 400, errors=errors, values=values, form=step
    )


@post("/incidents/staff/reports/{report_id:uuid}/triage", guards=TEAM, include_in_schema=False)
async def triage_form(
    request: Request[Any, Any, Any], report_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    return await _step(request, runtime, report_id, "triaged")


@post("/incidents/staff/reports/{report_id:uuid}/refer", guards=TEAM, include_in_schema=False)
async def refer_form(
    request: Request[Any, Any, Any], report_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    return await _step(request, runtime, report_id, "referred")


async def _team_page(
    request: Request[Any, Any, Any], runtime: Runtime, status_code: int = 200, **context: Any
) -> Response[str]:
    context.setdefault("errors", {})
    context.setdefault("values", {"language": "pl"})
    return render(
        request,
        "incidents/staff/team.html",
        status_code,
        members=await queries.team(runtime),
        **context,
    )


@get("/incidents/staff/team", guards=COORDINATOR, include_in_schema=False)
async def team_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default=""),
) -> Response[str]:
    message = TEAM_DONE.get(done)
    return await _team_page(request, runtime, done=_t(request, message) if message else None)


@post("/incidents/staff/team", guards=COORDINATOR, include_in_schema=False)
async def add_member_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    form = await request.form()
    values = {k: str(form.get(k, "") or "").strip() for k in ("name", "email", "language")}
    errors: dict[str, str] = {}
    if not 2 <= len(values["name"]) <= 200:
        errors["name"] = _t(request, MESSAGES["name"])
    if not addresses.is_address(values["email"]):
        errors["email"] = _t(request, MESSAGES["email"])
    if values["language"] not in ("pl", "en", "uk"):
        errors["language"] = _t(request, MESSAGES["language"])
    if errors:
        return await _team_page(request, runtime, 400, errors=errors, values=values)
    data = TeamMemberIn(name=values["name"], email=values["email"], language=values["language"])  # type: ignore[arg-type]
    try:
        await team.add_member(runtime, user_of(request).subject, data)
    except Refused as exc:
        errors["email"] = Speaker(catalogs, negotiate_language(request)).say(exc.first)
        return await _team_page(request, runtime, page_status(exc), errors=errors, values=values)
    return Redirect(f"{HOME}/team?done=added", status_code=303)


@post("/incidents/staff/team/{member_id:uuid}/remove", guards=COORDINATOR, include_in_schema=False)
async def remove_member_form(
    request: Request[Any, Any, Any], member_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    try:
        await team.remove_member(runtime, member_id)
    except Refused as exc:
        raise HTTPException(status_code=page_status(exc)) from exc
    return Redirect(f"{HOME}/team?done=removed", status_code=303)


route_handlers = [
    report_list,
    report_page,
    triage_form,
    refer_form,
    team_page,
    add_member_form,
    remove_member_form,
]
