"""Public pages of the Council (pl/en/uk, no JavaScript): the open call and its application form,
the current members, the next meetings with their agendas, a page per meeting (agenda; once
held, the counts of who came, the approved minutes and the resolutions), every resolution, and
the approved minutes. Only the public record (`public_record.py`): no e-mail address, no
attendance name, no reply, no proposal the secretariat did not accept, no draft minutes.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from services.participation.council import domain, public_record, queries
from services.participation.council.commands import members
from services.participation.council.pages import catalogs, pages
from services.participation.council.schemas import ApplicationCreated, ApplicationIn
from shared import addresses
from shared.events import utcnow
from shared.events.catalogue import LANGUAGES
from shared.ratelimit import RateLimited
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.forms import N_
from shared.web.i18n import negotiate_language
from shared.web.pages import rate_limited_page

FIELD_MESSAGES = {
    "applicant_kind": N_("Choose whether you apply as an organisation or as a person"),
    "category": N_("Choose the seat you apply for"),
    "name": N_("Enter your full name"),
    "organisation": N_("Enter the name of your organisation"),
    "email": N_("Enter an e-mail address like name@example.org"),
    "motivation": N_("Tell us in at least 20 characters why you want to join the council"),
    "consent": N_("Agree to the processing of your data so that we can consider your application"),
    "language": N_("Choose a language"),
}


def _t(request: Request[Any, Any, Any], msgid: str) -> str:
    return catalogs.gettext(negotiate_language(request), msgid)


@get("/council", include_in_schema=False, security=[{}])
async def council_home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The council: open calls, current members, the next meetings with their agendas, the
    meetings held (each with its page), the latest resolutions."""
    open_calls = await queries.open_calls(runtime)
    in_office, _ = await queries.members(runtime, False, 500, 0)
    upcoming = await public_record.next_meetings(runtime)
    held = await public_record.past_meetings(runtime)
    latest, total = await public_record.resolutions(runtime, RESOLUTIONS_ON_HOME, 0)
    return pages.render(
        request,
        "council/home.html",
        calls=open_calls,
        members=in_office,
        upcoming=upcoming,
        held=held,
        resolutions=latest,
        resolutions_total=total,
        tz=domain.WARSAW,
    )


RESOLUTIONS_ON_HOME = 5
RESOLUTIONS_PER_PAGE = 50


@get("/council/meetings/{meeting_id:uuid}", include_in_schema=False, security=[{}])
async def public_meeting_page(
    request: Request[Any, Any, Any], meeting_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """One meeting for anyone: when and where, its agenda; once held, how many came, the
    minutes once approved, and its resolutions."""
    found = await public_record.meeting(runtime, meeting_id)
    if found is None:
        raise NotFoundException()
    return pages.render(request, "council/meeting.html", m=found, tz=domain.WARSAW)


@get("/council/resolutions", include_in_schema=False, security=[{}])
async def resolutions_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    page: int = Parameter(query="page", default=1, ge=1, le=10_000),
) -> Response[str]:
    """Every resolution and recommendation voted, newest first, 50 a page."""
    offset = (page - 1) * RESOLUTIONS_PER_PAGE
    items, total = await public_record.resolutions(runtime, RESOLUTIONS_PER_PAGE, offset)
    return pages.render(
        request,
        "council/resolutions.html",
        resolutions=items,
        total=total,
        page=page,
        pages_count=max(1, -(-total // RESOLUTIONS_PER_PAGE)),
        tz=domain.WARSAW,
    )


async def _call_or_404(runtime: Runtime, call_id: uuid.UUID) -> dict[str, Any]:
    try:
        return await queries.call_row(runtime, call_id)
    except Refused as exc:
        raise NotFoundException() from exc


@get("/council/calls/{call_id:uuid}/apply", include_in_schema=False, security=[{}])
async def application_form(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """The application form of a call (organisations and individuals)."""
    call = await _call_or_404(runtime, call_id)
    closed = domain.call_accepts_applications(call["opens_at"], call["closes_at"], utcnow())
    return pages.render(
        request,
        "council/apply.html",
        call=call,
        closed=closed,
        errors={},
        values={"language": negotiate_language(request)},
        tz=domain.WARSAW,
    )


def _form_errors(form: dict[str, Any]) -> tuple[ApplicationIn | None, dict[str, str]]:
    """The application from the form, or a message (msgid) per wrong field."""
    v = {k: str(form.get(k, "")).strip() for k in FIELD_MESSAGES}
    wrong = {
        "applicant_kind": v["applicant_kind"] not in ("organisation", "individual"),
        "category": v["category"] not in domain.CATEGORIES,
        "name": not 2 <= len(v["name"]) <= 200,
        "organisation": v["applicant_kind"] == "organisation"
        and not v["organisation"]
        or len(v["organisation"]) > 300,
        "email": not addresses.is_address(v["email"]),
        "motivation": not 20 <= len(v["motivation"]) <= 5000,
        "consent": form.get("consent") != "yes",
    }
    errors = {field: FIELD_MESSAGES[field] for field, bad in wrong.items() if bad}
    if errors:
        return None, errors
    data = ApplicationIn(
        applicant_kind=v["applicant_kind"],
        category=v["category"],
        name=v["name"],  # type: ignore[arg-type]
        organisation=v["organisation"] or None,
        email=v["email"],
        motivation=v["motivation"],
        consent=True,
        language=v["language"] if v["language"] in LANGUAGES else "pl",  # type: ignore[arg-type]
    )
    return data, {}


@post("/council/calls/{call_id:uuid}/apply", include_in_schema=False, security=[{}])
async def submit_application(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """Submit the form: errors shown next to their fields, or the confirmation with the reference."""
    call = await _call_or_404(runtime, call_id)
    form = dict(await request.form())
    data, errors = _form_errors(form)
    values = {k: v for k, v in form.items() if k != "_csrf_token"}
    try:
        await runtime.limiter.check_client(request, "forms")
        if data is not None:
            await runtime.limiter.check_address(data.email)
    except RateLimited as exc:
        return rate_limited_page(
            request,
            exc,
            pages,
            "council/apply.html",
            call=call,
            closed=None,
            errors={},
            values=values,
            tz=domain.WARSAW,
        )
    if data is None:
        return await _refused(request, runtime, call_id, values, errors, 400)
    try:
        created = await members.receive_application(runtime, call_id, data)
        assert isinstance(created, ApplicationCreated)  # no key sent, so never a replay
    except Refused as exc:
        if exc.kind == Kind.NOT_FOUND:
            raise NotFoundException() from exc
        if exc.kind == Kind.CONFLICT:
            return await _refused(request, runtime, call_id, values, {}, 409)
        field = exc.field or "category"
        errors = {field: FIELD_MESSAGES.get(field, FIELD_MESSAGES["category"])}
        return await _refused(request, runtime, call_id, values, errors, 400)
    receipt = {"call_id": str(call_id), "reference": created.reference, "email": data.email}
    return await replay.render_answer(request, runtime, RECEIPT, receipt, 201)


REFUSED = "council.application_refused"
"""The application form answering a refused application, with what was typed and why (msgids):
its language switch shows it again in the other language, typed text kept (a sealed copy)."""


async def _refused(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    call_id: uuid.UUID,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int,
) -> Response[str]:
    typed = {k: str(v) for k, v in values.items()}
    data = {"call_id": str(call_id), "values": typed, "errors": errors}
    return await replay.render_answer(request, runtime, REFUSED, data, status_code)


async def _refused_context(runtime: Runtime, data: dict[str, Any], lang: str) -> dict[str, Any]:
    call = await _call_or_404(runtime, uuid.UUID(data["call_id"]))
    closed = domain.call_accepts_applications(call["opens_at"], call["closes_at"], utcnow())
    return {
        "call": call,
        "closed": closed,
        "values": data["values"],
        "errors": {f: catalogs.gettext(lang, msgid) for f, msgid in data["errors"].items()},
        "tz": domain.WARSAW,
    }


replay.answer_page(REFUSED, pages, "council/apply.html", _refused_context)

RECEIPT = "council.application_receipt"
"""The receipt answering an application: its language switch re-renders it (sealed copy)."""


async def _receipt_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    call = await _call_or_404(runtime, uuid.UUID(data["call_id"]))
    return {"call": call, "reference": data["reference"], "email": data["email"]}


replay.answer_page(RECEIPT, pages, "council/applied.html", _receipt_context)


@get("/council/minutes", include_in_schema=False, security=[{}])
async def minutes_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Approved minutes and resolutions, newest first."""
    approved = await public_record.approved_minutes(runtime, 100)
    return pages.render(request, "council/minutes.html", meetings=approved, tz=domain.WARSAW)


route_handlers = [
    council_home,
    public_meeting_page,
    resolutions_page,
    application_form,
    submit_application,
    minutes_page,
]
