"""Public pages of the Council (pl/en/uk, no JavaScript): the open call and its application form,
the current members, approved minutes and resolutions, and a member's invitation (RSVP, proposals).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter

from services.participation.council import api_meetings, domain, meetings, meetings_store, store
from services.participation.council.api_members import receive_application, today
from services.participation.council.schemas import EMAIL_PATTERN, ApplicationIn
from shared.events import utcnow
from shared.events.catalogue import LANGUAGES
from shared.ratelimit import RateLimited
from shared.runtime import Runtime
from shared.web import replay
from shared.web.i18n import KIT_LOCALE_DIR, Catalogs, negotiate_language
from shared.web.pages import rate_limited_page
from shared.web.templates import PageRenderer

HERE = Path(__file__).parent
SCHEMA = "participation"
catalogs = Catalogs([KIT_LOCALE_DIR, HERE / "locale"])
pages = PageRenderer([HERE / "templates"], catalogs)

FIELD_MESSAGES = {
    "applicant_kind": "Choose whether you apply as an organisation or as a person",
    "category": "Choose the seat you apply for",
    "name": "Enter your full name",
    "organisation": "Enter the name of your organisation",
    "email": "Enter an e-mail address like name@example.org",
    "motivation": "Tell us in at least 20 characters why you want to join the council",
    "consent": "Agree to the processing of your data so that we can consider your application",
    "language": "Choose a language",
}


def _t(request: Request[Any, Any, Any], msgid: str) -> str:
    return catalogs.gettext(negotiate_language(request), msgid)


@get("/council", include_in_schema=False, security=[{}])
async def council_home(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The council: open calls, current members, link to the minutes."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        calls, _ = await store.list_calls(conn, 20, 0)
        members, _ = await store.list_members(conn, today(), False, 500, 0)
    now = utcnow()
    open_calls = [
        c
        for c in calls
        if domain.call_accepts_applications(c["opens_at"], c["closes_at"], now) is None
    ]
    return pages.render(
        request, "council/home.html", calls=open_calls, members=members, tz=domain.WARSAW
    )


async def _call_or_404(runtime: Runtime, call_id: uuid.UUID) -> dict[str, Any]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        call = await store.call(conn, call_id)
    if call is None:
        raise NotFoundException()
    return call


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


def _form_errors(
    request: Request[Any, Any, Any], form: dict[str, Any]
) -> tuple[ApplicationIn | None, dict[str, str]]:
    """The application from the form, or a translated message per wrong field."""
    v = {k: str(form.get(k, "")).strip() for k in FIELD_MESSAGES}
    wrong = {
        "applicant_kind": v["applicant_kind"] not in ("organisation", "individual"),
        "category": v["category"] not in domain.CATEGORIES,
        "name": not 2 <= len(v["name"]) <= 200,
        "organisation": v["applicant_kind"] == "organisation"
        and not v["organisation"]
        or len(v["organisation"]) > 300,
        "email": not re.fullmatch(EMAIL_PATTERN, v["email"]) or len(v["email"]) > 254,
        "motivation": not 20 <= len(v["motivation"]) <= 5000,
        "consent": form.get("consent") != "yes",
    }
    errors = {field: _t(request, FIELD_MESSAGES[field]) for field, bad in wrong.items() if bad}
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
    data, errors = _form_errors(request, form)
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
        return pages.render(
            request,
            "council/apply.html",
            400,
            call=call,
            closed=None,
            errors=errors,
            values=values,
            tz=domain.WARSAW,
        )
    try:
        async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
            created, mail_id = await receive_application(
                conn, runtime.settings, call_id, data, utcnow()
            )
    except HTTPException as exc:
        if exc.status_code == 409:
            closed = domain.call_accepts_applications(call["opens_at"], call["closes_at"], utcnow())
            return pages.render(
                request,
                "council/apply.html",
                409,
                call=call,
                closed=closed,
                errors={},
                values=values,
                tz=domain.WARSAW,
            )
        field = exc.extra[0]["key"] if isinstance(exc.extra, list) and exc.extra else "category"  # type: ignore[index]
        return pages.render(
            request,
            "council/apply.html",
            400,
            call=call,
            closed=None,
            values=values,
            errors={field: _t(request, FIELD_MESSAGES.get(field, FIELD_MESSAGES["category"]))},
            tz=domain.WARSAW,
        )
    await runtime.send_mail_soon(SCHEMA, mail_id)
    receipt = {"call_id": str(call_id), "reference": created.reference, "email": data.email}
    return await replay.render_answer(request, runtime, RECEIPT, receipt, 201)


RECEIPT = "council.application_receipt"
"""The receipt answering an application: its language switch re-renders it (sealed copy)."""


async def _receipt_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    call = await _call_or_404(runtime, uuid.UUID(data["call_id"]))
    return {"call": call, "reference": data["reference"], "email": data["email"]}


replay.answer_page(RECEIPT, pages, "council/applied.html", _receipt_context)


@get("/council/minutes", include_in_schema=False, security=[{}])
async def minutes_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """Approved minutes and resolutions, newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, _ = await meetings_store.list_approved(conn, 100, 0)
        approved = [await meetings.meeting_detail(conn, r, public=True) for r in rows]
    return pages.render(request, "council/minutes.html", meetings=approved, tz=domain.WARSAW)


async def _invitation_context(runtime: Runtime, token: str) -> dict[str, Any]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        inv = await api_meetings.invitation(conn, token)
        agenda = [
            a
            for a in await meetings_store.agenda(conn, inv["meeting_id"])
            if a["status"] != "declined"
        ]
    return {"inv": inv, "agenda": agenda, "token": token, "values": {}, "tz": domain.WARSAW}


async def _invitation_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    token: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response[str]:
    context = await _invitation_context(runtime, token)
    return pages.render(
        request,
        "council/invitation.html",
        status,
        **context,
        notice=None,
        errors=errors or {},
    )


INVITATION = "council.invitation_reply"
"""The invitation page answering a reply or a proposal, with its notice (a msgid): its language
switch re-renders it from a sealed copy, since the personal token is not in its address."""


async def _reply_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    context = await _invitation_context(runtime, str(data["token"]))
    return {**context, "notice": data["notice"], "errors": {}}


replay.answer_page(INVITATION, pages, "council/invitation.html", _reply_context)


TOKEN = Parameter(query="token", min_length=8, max_length=200)


@get("/council/invitation", include_in_schema=False, security=[{}])
async def invitation_page(
    request: Request[Any, Any, Any], runtime: Runtime, token: str = TOKEN
) -> Response[str]:
    """A member's invitation: the meeting, the agenda, the RSVP and proposal forms."""
    async with runtime.limiter.token_attempt(request):
        return await _invitation_page(request, runtime, token)


@post("/council/invitation", include_in_schema=False, security=[{}])
async def invitation_reply(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """RSVP or propose an agenda item from the invitation page."""
    form = dict(await request.form())
    token = str(form.get("token", ""))
    async with (
        runtime.limiter.token_attempt(request),
        runtime.pool(SCHEMA).acquire() as conn,
        conn.transaction(),
    ):
        if form.get("action") == "propose":
            title = str(form.get("title", "")).strip()
            if not 3 <= len(title) <= 300:
                await api_meetings.invitation(conn, token)
                errors = {"title": _t(request, "Give your proposal a title of 3 to 300 characters")}
                return await _invitation_page(request, runtime, token, 400, errors=errors)
            await api_meetings.propose(conn, token, title, str(form.get("description", ""))[:5000])
            notice = "Thank you: your proposal is with the secretariat."
        else:
            response = str(form.get("response", ""))
            if response not in ("yes", "no", "maybe"):
                await api_meetings.invitation(conn, token)
                errors = {"response": _t(request, "Choose whether you will attend")}
                return await _invitation_page(request, runtime, token, 400, errors=errors)
            await api_meetings.answer(conn, token, response)
            notice = "Thank you: your reply is saved."
    return await replay.render_answer(
        request, runtime, INVITATION, {"token": token, "notice": notice}
    )


route_handlers = [
    council_home,
    application_form,
    submit_application,
    minutes_page,
    invitation_page,
    invitation_reply,
]
