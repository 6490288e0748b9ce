"""The coordinator's registers of the Dialogue Bench (pl/en/uk, no JavaScript): the responders
questions are assigned to, and the answer templates responders start from.

Each action is a POST form with the CSRF field calling a command of `commands/staff.py`
(`add_responder`, `deactivate_responder`, `create_template` — the same as
`POST /api/bench/answer-templates` —, `update_template`, `retire_template`); a refusal re-shows
the form with what was typed and each message where it belongs (`shared.web.refusals.explain`,
in the page's language), a success redirects (303) to the list saying what was done. What cannot
be undone from here (deactivating, retiring) asks for its confirmation box.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import store_questions as sq
from services.participation.bench import store_responders as sr
from services.participation.bench.commands import SCHEMA, staff
from services.participation.bench.pages.forms import (
    COORDINATOR,
    STAFF,
    choice,
    convert,
    explained,
    render,
    t,
)
from services.participation.bench.pages.public import page_error
from services.participation.bench.schemas import ResponderIn, TemplateIn
from shared import content
from shared.events.catalogue import LANGUAGES, TOPICS
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.forms import N_, form_values, user_of

STAFF_LANGUAGES = ("pl", "en", "uk")
RESPONDER_FIELDS = ("name", "email", "department", "language")
RESPONDER_MESSAGES = {
    "name": N_("Enter the responder's name: %(min)s to %(max)s characters."),
    "email": N_("Enter an e-mail address like name@krakow.pl."),
    "department": N_("Enter the department: %(min)s to %(max)s characters."),
    "language": N_("Choose the language of their e-mails."),
}
TEMPLATE_FIELDS = ("title", "language", "topic", "text")
TEMPLATE_MESSAGES = {
    "title": N_("Enter a title: %(min)s to %(max)s characters."),
    "language": N_("Choose one of the languages."),
    "topic": N_("Choose one of the topics."),
    "text": N_("Write the template: %(min)s to %(max)s characters."),
}
CONFIRM_DEACTIVATION = N_(
    "Tick the box to confirm: %(name)s will no longer be offered for new questions."
)
CONFIRM_RETIREMENT = N_("Tick the box to confirm that this template is no longer offered.")


# --- Responders ----------------------------------------------------------------------------


async def _responders_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int = 200,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
    name: str = "",
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sr.list_all(conn)
    return render(
        request,
        "bench/staff/responders.html",
        status_code,
        responders=rows,
        errors=errors or {},
        values=values or {"language": "pl"},
        done=done,
        name=name,
        staff_languages=STAFF_LANGUAGES,
    )


@get("/bench/staff/responders", guards=COORDINATOR, include_in_schema=False)
async def responders_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
    name: str = Parameter(query="name", default="", max_length=200),
) -> Response[str]:
    """The responders (active first) and the form to add one."""
    return await _responders_page(request, runtime, done=done, name=name)


@post("/bench/staff/responders", guards=COORDINATOR, include_in_schema=False)
async def add_responder_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """A new responder: `commands.staff.add_responder`."""
    values = await form_values(request, *RESPONDER_FIELDS)
    body = {
        "name": values["name"].strip(),
        "email": values["email"].strip(),
        "department": values["department"].strip(),
        "language": values["language"],
    }
    data, errors = convert(request, ResponderIn, body, RESPONDER_MESSAGES)
    status_code = 400
    if data is not None:
        try:
            row = await staff.add_responder(runtime, data, by=user_of(request).subject)
        except Refused as exc:
            if int(exc.kind) != 422:
                raise page_error(exc) from exc
            status_code = 422
            errors = explained(request, exc, anchor="name", order=RESPONDER_FIELDS)
        else:
            return Redirect(
                "/bench/staff/responders?" + _query(done="added", name=row["name"]) + "#done",
                status_code=303,
            )
    return await _responders_page(request, runtime, status_code, errors=errors, values=values)


def _query(**values: str) -> str:
    return urlencode(values)


async def _responder_or_404(runtime: Runtime, responder_id: uuid.UUID) -> Any:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sr.get(conn, responder_id)
    if row is None:
        raise NotFoundException(f"no responder {responder_id}")
    return row


@get(
    "/bench/staff/responders/{responder_id:uuid}/deactivation",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def deactivation_page(
    request: Request[Any, Any, Any], responder_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """What deactivating means, and its confirmation box."""
    row = await _responder_or_404(runtime, responder_id)
    return render(request, "bench/staff/deactivation.html", r=row, errors={})


@post(
    "/bench/staff/responders/{responder_id:uuid}/deactivation",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def deactivation_form(
    request: Request[Any, Any, Any], responder_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """`commands.staff.deactivate_responder`, once the box is ticked."""
    row = await _responder_or_404(runtime, responder_id)
    values = await form_values(request, "confirm")
    if values["confirm"] != "yes":
        errors = {"confirm": t(request, CONFIRM_DEACTIVATION, name=row["name"])}
        return render(request, "bench/staff/deactivation.html", 400, r=row, errors=errors)
    try:
        await staff.deactivate_responder(runtime, responder_id)
    except Refused as exc:
        if int(exc.kind) != 409:
            raise page_error(exc) from exc
        errors = explained(request, exc, anchor="confirm")
        return render(request, "bench/staff/deactivation.html", 409, r=row, errors=errors)
    return Redirect(
        "/bench/staff/responders?" + _query(done="deactivated", name=row["name"]) + "#done",
        status_code=303,
    )


# --- Answer templates ----------------------------------------------------------------------


@get("/bench/staff/templates", guards=STAFF, include_in_schema=False)
async def templates_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    language: str = Parameter(query="language", default="", max_length=5),
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The answer templates in use (of one language, if chosen), then the retired ones."""
    chosen = choice(language, LANGUAGES)
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sq.list_templates(conn, None, chosen, retired=True)
    return render(
        request,
        "bench/staff/templates.html",
        templates=rows,
        language=chosen or "",
        done=done,
        question_languages=LANGUAGES,
    )


def _template_form(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int = 200,
    *,
    template: Any = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    drafts: dict[str, str] | None = None,
    draft_notice: bool = False,
) -> Response[str]:
    if values is None:
        values = (
            {
                **{k: template[k] or "" for k in TEMPLATE_FIELDS},
                **content.form_values("text", template["text_i18n"]),
            }
            if template is not None
            else {"language": "pl"}
        )
    return render(
        request,
        "bench/staff/template.html",
        status_code,
        tpl=template,
        values=values,
        errors=errors or {},
        topics=TOPICS,
        question_languages=LANGUAGES,
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
        draft_notice=draft_notice,
    )


# The template's text in each content language (`text__pl`, `text__en`, `text__uk`): the one in
# the template's own language is its original, the others its versions.
TEMPLATE_VERSION_FIELDS = tuple(f"text__{code}" for code in content.CONTENT_LANGUAGES)
TEMPLATE_MAX = 10000


async def _template_values(
    request: Request[Any, Any, Any], runtime: Runtime
) -> tuple[dict[str, str], Any, dict, dict[str, str] | None]:
    """What the form holds; the template (or messages per field); with `_action=draft`, the
    machine drafts of its empty versions instead (nothing is checked or saved)."""
    values = await form_values(request, *TEMPLATE_FIELDS, *TEMPLATE_VERSION_FIELDS, "_action")
    language = values["language"] if values["language"] in LANGUAGES else "pl"
    if values.pop("_action") == "draft":
        drafts = await content.drafts(
            runtime.settings, {"text": values["text"].strip()}, language, typed=values
        )
        return values, None, {}, drafts
    body = {
        "title": values["title"].strip(),
        "language": values["language"],
        "topic": values["topic"] or None,
        "text": values["text"].strip(),
    }
    data, errors = convert(request, TemplateIn, body, TEMPLATE_MESSAGES)
    versions, problem = content.from_form(values, "text", language, TEMPLATE_MAX)
    if problem:
        for field in content.field_names("text", language):
            if len(values.get(field, "").strip()) > TEMPLATE_MAX:
                errors[field] = t(request, problem, limit=TEMPLATE_MAX)
        data = None
    elif data is not None:
        data = msgspec.structs.replace(data, text_i18n=versions)
    return values, data, errors, None


@get("/bench/staff/templates/new", guards=COORDINATOR, include_in_schema=False)
async def new_template_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The form for a new answer template."""
    return _template_form(request, runtime)


@post("/bench/staff/templates", guards=COORDINATOR, include_in_schema=False)
async def create_template_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """`commands.staff.create_template`, as POST /api/bench/answer-templates."""
    values, data, errors, drafts = await _template_values(request, runtime)
    if drafts is not None:
        return _template_form(
            request, runtime, values=values, drafts=drafts, draft_notice=not drafts
        )
    status_code = 400
    if data is not None:
        try:
            await staff.create_template(runtime, data, by=user_of(request).subject)
        except Refused as exc:
            if int(exc.kind) != 422:
                raise page_error(exc) from exc
            status_code = 422
            errors = explained(request, exc, anchor="title", order=TEMPLATE_FIELDS)
        else:
            return Redirect("/bench/staff/templates?done=created#done", status_code=303)
    return _template_form(request, runtime, status_code, values=values, errors=errors)


async def _template_or_404(runtime: Runtime, template_id: uuid.UUID) -> Any:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sq.template(conn, template_id)
    if row is None:
        raise NotFoundException(f"no template {template_id}")
    return row


@get("/bench/staff/templates/{template_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def template_page(
    request: Request[Any, Any, Any], template_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """A template's edit form and its retirement."""
    return _template_form(request, runtime, template=await _template_or_404(runtime, template_id))


@post("/bench/staff/templates/{template_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def update_template_form(
    request: Request[Any, Any, Any], template_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """`commands.staff.update_template`."""
    template = await _template_or_404(runtime, template_id)
    values, data, errors, drafts = await _template_values(request, runtime)
    if drafts is not None:
        return _template_form(
            request,
            runtime,
            template=template,
            values=values,
            drafts=drafts,
            draft_notice=not drafts,
        )
    status_code = 400
    if data is not None:
        try:
            await staff.update_template(runtime, template_id, data)
        except Refused as exc:
            if int(exc.kind) not in (409, 422):
                raise page_error(exc) from exc
            status_code = int(exc.kind)
            errors = explained(request, exc, anchor="title", order=TEMPLATE_FIELDS)
        else:
            return Redirect("/bench/staff/templates?done=saved#done", status_code=303)
    return _template_form(
        request, runtime, status_code, template=template, values=values, errors=errors
    )


@post(
    "/bench/staff/templates/{template_id:uuid}/retirement",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def retire_template_form(
    request: Request[Any, Any, Any], template_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """`commands.staff.retire_template`, once the box is ticked."""
    template = await _template_or_404(runtime, template_id)
    values = await form_values(request, "confirm")
    if values["confirm"] != "yes":
        errors = {"confirm": t(request, CONFIRM_RETIREMENT)}
        return _template_form(request, runtime, 400, template=template, errors=errors)
    try:
        await staff.retire_template(runtime, template_id)
    except Refused as exc:
        if int(exc.kind) != 409:
            raise page_error(exc) from exc
        errors = explained(request, exc, anchor="confirm")
        return _template_form(request, runtime, 409, template=template, errors=errors)
    return Redirect("/bench/staff/templates?done=retired#done", status_code=303)


route_handlers = [
    responders_page,
    add_responder_form,
    deactivation_page,
    deactivation_form,
    templates_page,
    new_template_page,
    create_template_form,
    template_page,
    update_template_form,
    retire_template_form,
]
