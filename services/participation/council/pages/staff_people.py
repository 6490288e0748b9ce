"""The secretariat's pages for the Council's people (pl/en/uk, no JavaScript): calls for members
and the applications they received, appointments (from an application or directly, replacing a
member or not) and ends of terms, and — for the coordinator — the register of council
secretaries.

Each form calls the same command as the API (`commands/members.py`, `commands/secretaries.py`):
a refusal comes back in the page's language with what was typed (kept across a language switch,
`staff_kit.StaffPage`); a success redirects (303) to the page saying what was done. What cannot be
undone (ending a term, removing a secretary) asks for a ticked confirmation first.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.council import domain, queries
from services.participation.council.commands import members, secretaries
from services.participation.council.commands import translations as translate
from services.participation.council.pages.staff_kit import (
    COORDINATOR,
    N_,
    SECRETARIAT,
    SECRETARIAT_ROLES,
    Problems,
    StaffPage,
    checked,
    drafts_for,
    page_error,
    problem,
    refusal,
    translation_fields,
    translations_of,
    wants_drafts,
)
from services.participation.council.schemas import (
    AppointmentIn,
    Call,
    CallIn,
    LeaveIn,
    SecretaryIn,
)
from shared import content
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import form_values, warsaw_moment

CALL_MESSAGES = {
    "title": N_("Enter the title of the call: %(min)s to %(max)s characters."),
    "description": N_("Describe the call: %(min)s to %(max)s characters."),
}
SEAT_MESSAGE = N_("Enter the number of seats, a whole number from 0 to 100.")
APPOINT_MESSAGES = {
    "name": N_("Enter the member's full name: %(min)s to %(max)s characters."),
    "organisation": N_("Enter the organisation in at most %(max)s characters."),
    "email": N_("Enter an e-mail address like name@example.org"),
}
SECRETARY_MESSAGES = {
    "name": N_("Enter the secretary's full name: %(min)s to %(max)s characters."),
    "email": N_("Enter an e-mail address like name@example.org"),
}
LANGUAGES = ("pl", "en", "uk")
DONE = ("opened", "appointed", "left", "added", "removed", "translated")
CALL_TRANSLATIONS = {"title": ("title", 300), "description": ("description", 20_000)}


def _done(path: str, what: str) -> Redirect:
    return Redirect(f"{path}?done={what}#done", status_code=303)


def _day(raw: str, field: str, message: str, errors: Problems) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[field] = problem(message)
        return None


def _moment(values: dict[str, str], name: str, message: str, errors: Problems) -> datetime | None:
    """A Kraków date and time (fields `<name>_date`, `<name>_time`) as a moment."""
    day = _day(values[f"{name}_date"], f"{name}_date", message, errors)
    try:
        clock = time.fromisoformat(values[f"{name}_time"].strip() or "00:00")
    except ValueError:
        errors[f"{name}_time"] = problem(N_("Enter the time like 17:30 (Kraków time)."))
        return None
    if day is None:
        return None
    moment = warsaw_moment(datetime.combine(day, clock))
    if moment is None:
        errors[f"{name}_time"] = problem(
            N_(
                "This time does not exist in Kraków that day (the clocks move forward): choose another."
            )
        )
    return moment


# --- Calls ------------------------------------------------------------------------------


async def _calls_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    listed, _ = await queries.calls(runtime, 100, 0)
    return {
        "calls": listed,
        "counts": await queries.application_counts(runtime),
        "categories": domain.CATEGORIES,
        "section": "calls",
    }


CALLS = StaffPage(
    "council.staff_calls", "council/staff/calls.html", _calls_context, SECRETARIAT_ROLES
)


@get("/council/staff/calls", guards=SECRETARIAT, include_in_schema=False)
async def calls_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """Calls for members (newest first) with their applications, and the form to open one."""
    return await CALLS.show(request, runtime, done=done if done in DONE else "")


CALL_FIELDS = (
    "title",
    "description",
    "term_start",
    "term_end",
    "opens_date",
    "opens_time",
    "closes_date",
    "closes_time",
    *(f"seats_{c}" for c in domain.CATEGORIES),
)


@post("/council/staff/calls", guards=SECRETARIAT, include_in_schema=False)
async def open_call_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Open a call: the same call as POST /api/council/calls (dates are Kraków time)."""
    values = await form_values(
        request, *CALL_FIELDS, "_action", *translation_fields("title", "description")
    )
    if wants_drafts(values):
        drafts = await drafts_for(runtime, values, ("title", "description"))
        return await CALLS.refused(
            request, runtime, 200, form="call", values=values, errors={}, drafts=drafts
        )
    body = {"title": values["title"].strip(), "description": values["description"].strip()}
    errors = checked(CallIn, body, CALL_MESSAGES)
    i18n = translations_of(values, CALL_TRANSLATIONS, errors)
    term_start = _day(
        values["term_start"],
        "term_start",
        N_("Enter the first day of the term like 2027-01-01."),
        errors,
    )
    term_end = _day(
        values["term_end"],
        "term_end",
        N_("Enter the last day of the term like 2028-12-31."),
        errors,
    )
    opens_at = _moment(
        values, "opens", N_("Enter the day applications open like 2026-12-01."), errors
    )
    closes_at = _moment(
        values, "closes", N_("Enter the day applications close like 2026-12-31."), errors
    )
    seats: dict[str, int] = {}
    for category in domain.CATEGORIES:
        raw = values[f"seats_{category}"].strip() or "0"
        try:
            seats[category] = int(raw)
            if not 0 <= seats[category] <= 100:
                raise ValueError
        except ValueError:
            errors[f"seats_{category}"] = problem(SEAT_MESSAGE)
    status_code = 400
    if not errors and term_start and term_end and opens_at and closes_at:
        data = CallIn(
            title=body["title"],
            description=body["description"],
            term_start=term_start,
            term_end=term_end,
            opens_at=opens_at,
            closes_at=closes_at,
            seats=seats,  # type: ignore[arg-type]
        )
        try:
            created = await members.open_call(runtime, data, i18n=i18n)
        except Refused as exc:
            if exc.kind != Kind.INVALID:
                raise page_error(exc) from exc
            field = {"closes_at": "closes_date", "seats": "seats_association"}.get(
                exc.field or "", exc.field or "title"
            )
            errors = {field: refusal(exc)}
            status_code = 422
        else:
            assert isinstance(created, Call)
            return _done(f"/council/staff/calls/{created.id}", "opened")
    return await CALLS.refused(
        request, runtime, status_code, form="call", values=values, errors=errors
    )


async def _call_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    call_id = uuid.UUID(data["id"])
    try:
        call = await queries.call(runtime, call_id)
    except Refused as exc:
        raise page_error(exc) from exc
    received, total = await queries.applications(runtime, call_id, 500, 0)
    row = await queries.call_row(runtime, call_id)
    stored = {
        **content.form_values("title", row["title_i18n"]),
        **content.form_values("description", row["description_i18n"]),
    }
    return {
        "call": call,
        "applications": received,
        "total": total,
        "section": "calls",
        "stored_translations": stored,
    }


CALL = StaffPage("council.staff_call", "council/staff/call.html", _call_context, SECRETARIAT_ROLES)


@get("/council/staff/calls/{call_id:uuid}", guards=SECRETARIAT, include_in_schema=False)
async def call_page(
    request: Request[Any, Any, Any],
    call_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """A call: its term, window and seats, and the applications it received (oldest first)."""
    return await CALL.show(request, runtime, id=str(call_id), done=done if done in DONE else "")


@post(
    "/council/staff/calls/{call_id:uuid}/translations", guards=SECRETARIAT, include_in_schema=False
)
async def call_translations_form(
    request: Request[Any, Any, Any], call_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The English and Ukrainian versions of a call's title and description (the Polish
    original does not change here); an emptied field removes that translation."""
    try:
        row = await queries.call_row(runtime, call_id)
    except Refused as exc:
        raise page_error(exc) from exc
    values = await form_values(request, "_action", *translation_fields("title", "description"))
    if wants_drafts(values):
        originals = {"title": row["title"], "description": row["description"]}
        drafts = await drafts_for(runtime, {**originals, **values}, tuple(originals))
        return await CALL.refused(
            request,
            runtime,
            200,
            id=str(call_id),
            form="translations",
            values=values,
            errors={},
            drafts=drafts,
        )
    errors: Problems = {}
    i18n = translations_of(values, CALL_TRANSLATIONS, errors)
    if errors:
        return await CALL.refused(
            request,
            runtime,
            400,
            id=str(call_id),
            form="translations",
            values=values,
            errors=errors,
        )
    await translate.translate_call(runtime, call_id, i18n)
    return _done(f"/council/staff/calls/{call_id}", "translated")


# --- Applications and appointments ------------------------------------------------------


async def _in_office(runtime: Runtime) -> list[Any]:
    rows, _ = await queries.members(runtime, False, 500, 0)
    return rows


async def _application_context(
    runtime: Runtime, data: dict[str, Any], _lang: str
) -> dict[str, Any]:
    try:
        application = await queries.application_row(runtime, uuid.UUID(data["id"]))
    except Refused as exc:
        raise page_error(exc) from exc
    return {"a": application, "in_office": await _in_office(runtime), "section": "calls"}


APPLICATION = StaffPage(
    "council.staff_application",
    "council/staff/application.html",
    _application_context,
    SECRETARIAT_ROLES,
)


@get(
    "/council/staff/applications/{application_id:uuid}", guards=SECRETARIAT, include_in_schema=False
)
async def application_page(
    request: Request[Any, Any, Any], application_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """One application to read in full, with the form to appoint the applicant."""
    return await APPLICATION.show(request, runtime, id=str(application_id))


def _replaces(raw: str, errors: Problems) -> uuid.UUID | None:
    if not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        errors["replaces"] = problem(N_("Choose the member to replace from the list."))
        return None


def _appointment_problems(exc: Refused) -> tuple[int, Problems]:
    """Where an appointment's refusal is said on the form."""
    if exc.kind == Kind.NOT_FOUND and exc.field in ("replaces", "call_id"):
        return 404, {exc.field: refusal(exc)}
    if exc.kind == Kind.NOT_FOUND:
        raise page_error(exc)
    field = exc.field or ("replaces" if exc.code.startswith("council.replaced") else "category")
    if exc.code in ("council.seat.full", "council.application.appointed"):
        field = "appointment"
    return int(exc.kind), {field: refusal(exc)}


@post(
    "/council/staff/applications/{application_id:uuid}/appoint",
    guards=SECRETARIAT,
    include_in_schema=False,
)
async def appoint_from_application(
    request: Request[Any, Any, Any], application_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Appoint the applicant for the call's term: the same call as POST /api/council/members
    with `application_id` (the member gets the welcome mail with their link)."""
    values = await form_values(request, "replaces")
    errors: Problems = {}
    replaces = _replaces(values["replaces"], errors)
    status_code = 400
    if not errors:
        try:
            await members.appoint(
                runtime, AppointmentIn(application_id=application_id, replaces=replaces)
            )
        except Refused as exc:
            status_code, errors = _appointment_problems(exc)
        else:
            return _done("/council/staff/members", "appointed")
    return await APPLICATION.refused(
        request,
        runtime,
        status_code,
        id=str(application_id),
        form="appoint",
        values=values,
        errors=errors,
    )


async def _members_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    register, _ = await queries.members(runtime, True, 500, 0)
    listed, _ = await queries.calls(runtime, 100, 0)
    today = queries.today()
    return {
        "current": [m for m in register if m["left_on"] is None and m["term_end"] >= today],
        "former": [m for m in register if m["left_on"] is not None or m["term_end"] < today],
        "in_office": await _in_office(runtime),
        "calls": listed,
        "categories": domain.CATEGORIES,
        "section": "members",
    }


MEMBERS = StaffPage(
    "council.staff_members", "council/staff/members.html", _members_context, SECRETARIAT_ROLES
)


@get("/council/staff/members", guards=SECRETARIAT, include_in_schema=False)
async def members_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The register of members (current and former) and the form to appoint one directly."""
    return await MEMBERS.show(request, runtime, done=done if done in DONE else "")


APPOINT_FIELDS = (
    "name",
    "organisation",
    "email",
    "category",
    "language",
    "call_id",
    "term_start",
    "term_end",
    "replaces",
)


@post("/council/staff/members", guards=SECRETARIAT, include_in_schema=False)
async def appoint_directly(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Appoint a member without an application (e.g. the city's): the same call as
    POST /api/council/members; the term is the call's unless given."""
    values = await form_values(request, *APPOINT_FIELDS)
    body = {
        "name": values["name"].strip(),
        "organisation": values["organisation"].strip() or None,
        "email": values["email"].strip() or None,
    }
    errors = checked(AppointmentIn, body, APPOINT_MESSAGES)
    if values["category"] not in domain.CATEGORIES:
        errors["category"] = problem(N_("Choose the seat the member takes."))
    call_id = None
    if values["call_id"].strip():
        try:
            call_id = uuid.UUID(values["call_id"].strip())
        except ValueError:
            errors["call_id"] = problem(N_("Choose the call from the list."))
    term_start = term_end = None
    if values["term_start"].strip():
        term_start = _day(
            values["term_start"],
            "term_start",
            N_("Enter the first day of the term like 2027-01-01."),
            errors,
        )
    if values["term_end"].strip():
        term_end = _day(
            values["term_end"],
            "term_end",
            N_("Enter the last day of the term like 2028-12-31."),
            errors,
        )
    replaces = _replaces(values["replaces"], errors)
    status_code = 400
    if not errors:
        data = AppointmentIn(
            name=body["name"],
            organisation=body["organisation"],
            email=body["email"],
            category=values["category"],  # type: ignore[arg-type]
            language=values["language"] if values["language"] in LANGUAGES else "pl",  # type: ignore[arg-type]
            call_id=call_id,
            term_start=term_start,
            term_end=term_end,
            replaces=replaces,
        )
        try:
            await members.appoint(runtime, data)
        except Refused as exc:
            status_code, errors = _appointment_problems(exc)
        else:
            return _done("/council/staff/members", "appointed")
    return await MEMBERS.refused(
        request, runtime, status_code, form="appoint", values=values, errors=errors
    )


async def _member_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    try:
        row = await queries.member_row(runtime, uuid.UUID(data["id"]))
    except Refused as exc:
        raise page_error(exc) from exc
    return {
        "member": queries.member_view(row),
        "today": queries.today().isoformat(),
        "section": "members",
    }


MEMBER = StaffPage(
    "council.staff_member", "council/staff/member.html", _member_context, SECRETARIAT_ROLES
)


@get("/council/staff/members/{member_id:uuid}", guards=SECRETARIAT, include_in_schema=False)
async def member_page(
    request: Request[Any, Any, Any],
    member_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """A member: their seat and term, and the form to end the term (confirmed)."""
    return await MEMBER.show(request, runtime, id=str(member_id), done=done if done in DONE else "")


@post("/council/staff/members/{member_id:uuid}/leave", guards=SECRETARIAT, include_in_schema=False)
async def leave_form(
    request: Request[Any, Any, Any], member_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """End a member's term, once confirmed: the same call as POST /api/council/members/{id}/leave."""
    values = await form_values(request, "reason", "left_on", "confirm")
    errors: Problems = {}
    if values["reason"] not in ("resigned", "term_ended", "dismissed"):
        errors["reason"] = problem(N_("Choose why the term ends."))
    left_on = None
    if values["left_on"].strip():
        left_on = _day(
            values["left_on"], "left_on", N_("Enter the last day like 2026-12-31."), errors
        )
    if not errors and values["confirm"] != "yes":
        errors["confirm"] = problem(
            N_("Tick the box to confirm: the seat becomes free and this cannot be undone.")
        )
    status_code = 400
    if not errors:
        try:
            await members.leave(
                runtime,
                member_id,
                LeaveIn(reason=values["reason"], left_on=left_on),  # type: ignore[arg-type]
            )
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise page_error(exc) from exc
            status_code = 409
            errors = {"member-status": refusal(exc)}
        else:
            return _done(f"/council/staff/members/{member_id}", "left")
    return await MEMBER.refused(
        request, runtime, status_code, id=str(member_id), form="leave", values=values, errors=errors
    )


# --- Secretaries (the coordinator's register) -------------------------------------------


async def _secretaries_context(
    runtime: Runtime, data: dict[str, Any], _lang: str
) -> dict[str, Any]:
    return {
        "secretaries": await queries.secretaries(runtime),
        "section": "secretaries",
    }


SECRETARIES = StaffPage(
    "council.staff_secretaries",
    "council/staff/secretaries.html",
    _secretaries_context,
    ("coordinator",),
)


@get("/council/staff/secretaries", guards=COORDINATOR, include_in_schema=False)
async def secretaries_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The council secretaries the coordinator registered, and the form to add one."""
    return await SECRETARIES.show(request, runtime, done=done if done in DONE else "")


@post("/council/staff/secretaries", guards=COORDINATOR, include_in_schema=False)
async def add_secretary_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Register a secretary (invited by e-mail): the same call as POST /api/council/secretaries."""
    values = await form_values(request, "name", "email", "language")
    body = {"name": values["name"].strip(), "email": values["email"].strip()}
    errors = checked(SecretaryIn, body, SECRETARY_MESSAGES)
    status_code = 400
    if not errors:
        language = values["language"] if values["language"] in LANGUAGES else "pl"
        try:
            data = SecretaryIn(name=body["name"], email=body["email"], language=language)  # type: ignore[arg-type]
            await secretaries.register(runtime, data)
        except Refused as exc:
            if exc.kind != Kind.CONFLICT:
                raise page_error(exc) from exc
            status_code = 409
            errors = {"email": refusal(exc)}
        else:
            return _done("/council/staff/secretaries", "added")
    return await SECRETARIES.refused(
        request, runtime, status_code, form="add", values=values, errors=errors
    )


@post(
    "/council/staff/secretaries/{secretary_id:uuid}/remove",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def remove_secretary_form(
    request: Request[Any, Any, Any], secretary_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Take a secretary off the register, once confirmed: = DELETE /api/council/secretaries/{id}."""
    values = await form_values(request, "confirm")
    if values["confirm"] != "yes":
        return await SECRETARIES.refused(
            request,
            runtime,
            400,
            form="remove",
            values={"remove": str(secretary_id)},
            errors={
                f"confirm-{secretary_id}": problem(
                    N_("Tick the box to confirm that this person is no longer a secretary.")
                )
            },
        )
    try:
        await secretaries.remove(runtime, secretary_id)
    except Refused as exc:
        raise page_error(exc) from exc
    return _done("/council/staff/secretaries", "removed")


route_handlers = [
    calls_page,
    call_translations_form,
    open_call_form,
    call_page,
    application_page,
    appoint_from_application,
    members_page,
    appoint_directly,
    member_page,
    leave_form,
    secretaries_page,
    add_secretary_form,
    remove_secretary_form,
]
