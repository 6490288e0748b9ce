"""The coordinator's session pages of the Dialogue Bench (pl/en/uk, no JavaScript): a new
session (edition) form, and an edition's page with its facts and state, opening and closing its submissions, recording it held, and entering questions
asked in the room or on paper.

Each action is a POST form with the CSRF field calling the same function as its API route
(`staff.create_edition`, `staff.change_edition`, `staff.enter_question`); a refusal re-shows the page with a message per
field in the page's language and what was typed, a success redirects (303) to the page saying
what was done. Changing the edition's state needs its confirmation box ticked.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import domain, store
from services.participation.bench import store_questions as sq
from services.participation.bench.commands import SCHEMA, staff
from services.participation.bench.pages.forms import (
    COORDINATOR,
    convert,
    render,
    t,
)
from services.participation.bench.pages.public import catalogs, page_error
from services.participation.bench.queries import edition_view
from services.participation.bench.schemas import (
    EditionIn,
    EditionTextsIn,
    EnteredQuestionIn,
    QuestionCreated,
)
from shared import content
from shared.events import utcnow
from shared.events.catalogue import GROUPS, LANGUAGES, TOPICS
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web import replay
from shared.web.forms import (
    N_,
    field_errors,
    form_values,
    user_of,
    warsaw_moment,
)

# What each state change is called in its route, its confirmation box and its `?done=`.
CHANGES = {
    "open": ("confirm_open", "opened"),
    "closed": ("confirm_close", "closed"),
    "held": ("confirm_held", "held"),
}
EDITION_MESSAGES = {
    "title": N_("Enter the title of the session: %(min)s to %(max)s characters."),
    "venue": N_("Enter where the session takes place: %(min)s to %(max)s characters."),
    "audience": N_("Enter for whom the session is: %(min)s to %(max)s characters."),
    "answer_due_days": N_("Enter the number of days to answer: a whole number from 1 to 365."),
}
EDITION_FIELDS = ("title", "held_on", "venue", "audience", "close_date", "close_time", "due_days")
# The edition's texts residents read, each with its longest length; staff type their English and
# Ukrainian versions (`title__en`, `title__uk` ...) beside the Polish original (shared/content.py).
TRANSLATED = {"title": 200, "venue": 300, "audience": 300}
TRANSLATION_FIELDS = tuple(
    field for name in TRANSLATED for field in content.field_names(name, "pl")
)
TEXT_FIELDS = ("title", "venue", "audience", *TRANSLATION_FIELDS)
NO_DRAFTS = N_(
    "No machine drafts could be made (the translation service did not answer, or nothing was "
    "left to translate): type the translations yourself, or save without them."
)
ENTERED_MESSAGES = {
    "channel": N_("Choose where the question was asked: in the room or on paper."),
    "text": N_("Write the question as it was asked: %(min)s to %(max)s characters."),
    "topic": N_("Choose one of the topics."),
    "language": N_("Choose one of the languages."),
    "email": N_("Enter an e-mail address like name@example.com, or leave it empty."),
    "name": N_("The name is too long: at most %(max)s characters."),
    "group": N_("Choose one of the options, or leave it empty."),
    "consent": N_("The asker must agree that we use the address to answer, or leave it empty."),
    "answered_live_at": N_("Tick the box only if the question was answered in the room."),
}
ENTERED_FIELDS = (
    "channel",
    "text",
    "topic",
    "language",
    "group",
    "name",
    "email",
    "consent",
    "answered_live",
    "nonce",
)


# --- A new session ----------------------------------------------------------------------


def _new_edition_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int = 200,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    drafts: dict[str, str] | None = None,
    draft_notice: bool = False,
) -> Response[str]:
    return render(
        request,
        "bench/staff/new_edition.html",
        status_code,
        errors=errors or {},
        values=values or {"due_days": "30"},
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
        draft_notice=draft_notice,
    )


@get("/bench/staff/editions/new", guards=COORDINATOR, include_in_schema=False)
async def new_edition_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The form for a new session: what POST /api/bench/editions takes, times in Kraków."""
    return _new_edition_page(request, runtime)


def _translations(
    request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str]
) -> dict[str, dict[str, str]]:
    """The translations typed for each text (`title_i18n` ...), trimmed, empty ones dropped; a
    message at each one that is too long."""
    found: dict[str, dict[str, str]] = {}
    for name, limit in TRANSLATED.items():
        versions, problem = content.from_form(values, name, "pl", limit)
        if problem:
            for field in content.field_names(name, "pl"):
                if len(values.get(field, "").strip()) > limit:
                    errors[field] = t(request, problem, limit=limit)
        found[f"{name}_i18n"] = versions
    return found


async def _drafts(runtime: Runtime, values: dict[str, str]) -> dict[str, str]:
    """Machine drafts for the empty translation fields (nothing is saved): `{}` without a
    provider or when it fails."""
    originals = {name: values.get(name, "").strip() for name in TRANSLATED}
    return await content.drafts(runtime.settings, originals, "pl", typed=values)


def _day(
    request: Request[Any, Any, Any],
    values: dict[str, str],
    errors: dict[str, str],
    name: str,
    message: str,
) -> date | None:
    try:
        return date.fromisoformat(values[name].strip())
    except ValueError:
        errors[name] = t(request, message)
        return None


def _closes_at(
    request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str]
) -> datetime | None:
    """The moment the closing date and time name in Kraków (stored UTC), or a message on the
    field at fault; a time the spring clock change skips is refused, in the autumn overlap the
    first (summer time) one is meant."""
    day = _day(
        request,
        values,
        errors,
        "close_date",
        N_("Enter the last day of submissions like 2026-12-03."),
    )
    try:
        clock = time.fromisoformat(values["close_time"].strip())
        if clock.second or clock.microsecond:
            raise ValueError
    except ValueError:
        errors["close_time"] = t(request, N_("Enter the closing time like 23:59 (Kraków time)."))
        return None
    if day is None:
        return None
    moment = warsaw_moment(datetime.combine(day, clock))
    if moment is None:
        errors["close_time"] = t(
            request,
            N_(
                "This time does not exist in Kraków that day (the clocks move forward): "
                "choose another."
            ),
        )
    return moment


@post("/bench/staff/editions/new", guards=COORDINATOR, include_in_schema=False)
async def new_edition_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Create a session: the same call as POST /api/bench/editions; then its page.

    `_action=draft` (the button shown with a translation provider) fills the empty translation
    fields with machine drafts and shows the form again: nothing is saved."""
    values = await form_values(request, *EDITION_FIELDS, *TRANSLATION_FIELDS, "_action")
    if values.pop("_action") == "draft":
        drafts = await _drafts(runtime, values)
        return _new_edition_page(
            request, runtime, values=values, drafts=drafts, draft_notice=not drafts
        )
    due_days: int | str = values["due_days"].strip()
    try:
        due_days = int(due_days)
    except ValueError:
        pass  # the schema's check names the field
    body = {
        "title": values["title"].strip(),
        "venue": values["venue"].strip(),
        "audience": values["audience"].strip(),
        "answer_due_days": due_days,
    }
    errors = field_errors(
        catalogs, request, EditionIn, body, EDITION_MESSAGES, {"answer_due_days": "due_days"}
    )
    held_on = _day(
        request, values, errors, "held_on", N_("Enter the date of the session like 2026-12-03.")
    )
    closes_at = _closes_at(request, values, errors)
    translations = _translations(request, values, errors)
    if errors or held_on is None or closes_at is None:
        order = (*EDITION_FIELDS, *TRANSLATION_FIELDS)
        ordered = {name: errors[name] for name in order if name in errors}
        return _new_edition_page(request, runtime, 400, errors=ordered, values=values)
    data = EditionIn(
        title=body["title"],
        held_on=held_on,
        venue=body["venue"],
        audience=body["audience"],
        submissions_close_at=closes_at,
        answer_due_days=int(due_days),
        **translations,
    )
    try:
        row = await staff.create_edition(runtime, data)
    except Refused as exc:  # the form's own checks come first: not expected
        raise page_error(exc) from exc
    return Redirect(f"/bench/staff/editions/{row['id']}?done=created#done", status_code=303)


# --- A session's texts and their translations ----------------------------------------------


async def _texts_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition_id: uuid.UUID,
    status_code: int = 200,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    drafts: dict[str, str] | None = None,
    draft_notice: bool = False,
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.edition(conn, edition_id)
    if row is None:
        raise NotFoundException(f"no edition {edition_id}")
    if values is None:
        values = {name: row[name] for name in TRANSLATED}
        for name in TRANSLATED:
            values.update(content.form_values(name, row[f"{name}_i18n"]))
    return render(
        request,
        "bench/staff/edition_texts.html",
        status_code,
        edition=edition_view(row),
        errors=errors or {},
        values=values,
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
        draft_notice=draft_notice,
    )


@get("/bench/staff/editions/{edition_id:uuid}/texts", guards=COORDINATOR, include_in_schema=False)
async def texts_page(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """The session's title, venue and audience, each with its English and Ukrainian versions."""
    return await _texts_page(request, runtime, edition_id)


@post("/bench/staff/editions/{edition_id:uuid}/texts", guards=COORDINATOR, include_in_schema=False)
async def texts_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Save the texts and translations: the same call as PATCH /api/bench/editions/{id}; then
    the session's page. `_action=draft` fills the empty translations with machine drafts and
    shows the form again, saving nothing."""
    values = await form_values(request, *TEXT_FIELDS, "_action")
    if values.pop("_action") == "draft":
        drafts = await _drafts(runtime, values)
        return await _texts_page(
            request, runtime, edition_id, values=values, drafts=drafts, draft_notice=not drafts
        )
    body = {name: values[name].strip() for name in TRANSLATED}
    errors = field_errors(catalogs, request, EditionTextsIn, body, EDITION_MESSAGES)
    translations = _translations(request, values, errors)
    if errors:
        ordered = {name: errors[name] for name in TEXT_FIELDS if name in errors}
        return await _texts_page(request, runtime, edition_id, 400, errors=ordered, values=values)
    data = EditionTextsIn(**body, **translations)
    try:
        await staff.change_edition_texts(runtime, edition_id, data)
    except Refused as exc:  # the form's own checks come first: not expected
        raise page_error(exc) from exc
    return Redirect(f"/bench/staff/editions/{edition_id}?done=texts#done", status_code=303)


# --- One session ------------------------------------------------------------------------


async def _edition_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition_id: uuid.UUID,
    status_code: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
    entered: tuple[Any, str | None] | None = None,
) -> Response[str]:
    context = await _edition_context(
        runtime, edition_id, form=form, errors=errors, values=values, done=done, entered=entered
    )
    response = render(request, "bench/staff/edition.html", status_code, **context)
    # A tracking code may be on the page (in its address too): keep it out of caches and referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def _edition_context(
    runtime: Runtime,
    edition_id: uuid.UUID,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
    entered: tuple[Any, str | None] | None = None,
) -> dict[str, Any]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.edition(conn, edition_id)
        if row is None:
            raise NotFoundException(f"no edition {edition_id}")
        counts = await sq.count_by_channel(conn, edition_id)
    now = utcnow()
    allowed = {
        target: domain.edition_change_refusal(
            row["status"], target, row["submissions_close_at"], row["held_on"], now
        )
        is None
        for target in CHANGES
    }
    values = dict(values or {})
    values.setdefault("nonce", secrets.token_urlsafe(16))
    slip = None
    if entered is not None:
        question, token = entered
        slip = {
            "reference": question["reference"],
            "id": question["id"],
            "token": token,
            "url": f"{runtime.settings.public_url}/bench/track?"
            + urlencode({"reference": question["reference"], "token": token})
            if token
            else None,
        }
    return dict(
        edition=edition_view(row),
        accepting=domain.edition_accepts_questions(row["status"], row["submissions_close_at"], now)
        is None,
        counts=counts,
        allowed=allowed,
        form=form,
        errors=errors or {},
        values=values,
        done=done,
        slip=slip,
        topics=TOPICS,
        question_languages=LANGUAGES,
        groups=GROUPS,
    )


ENTERED_SLIP = "bench.entered_slip"
"""The edition page answering an entered question, with its slip (the one time the tracking code
is shown): its language switch re-renders it from a sealed copy, for coordinators only."""


async def _entered_context(runtime: Runtime, data: dict[str, Any], _lang: str) -> dict[str, Any]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        question = await sq.question(conn, uuid.UUID(data["question_id"]))
    if question is None:  # erased since
        raise NotFoundException("no such question")
    return await _edition_context(
        runtime,
        uuid.UUID(data["edition_id"]),
        done="entered",
        entered=(question, data["token"]),
    )


replay.answer_page(
    ENTERED_SLIP, render, "bench/staff/edition.html", _entered_context, roles=("coordinator",)
)


@get("/bench/staff/editions/{edition_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def edition_page(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
    question: uuid.UUID | None = Parameter(query="question", default=None),
) -> Response[str]:
    """The session: facts, state, the state changes allowed now and the entered-question form.

    `?done=entered&question=` (the same form sent twice) names the question without its
    tracking code: the code is shown once, in the answer to the POST that created it."""
    entered = None
    if done == "entered" and question is not None:
        async with runtime.pool(SCHEMA).acquire() as conn:
            row = await sq.question(conn, question)
        if row is not None and row["edition_id"] == edition_id:
            entered = (row, None)
    return await _edition_page(request, runtime, edition_id, done=done, entered=entered)


async def _change(
    request: Request[Any, Any, Any], runtime: Runtime, edition_id: uuid.UUID, target: str
) -> Response[Any]:
    box, done = CHANGES[target]
    values = await form_values(request, box)
    if values[box] != "yes":
        errors = {box: t(request, N_("Tick the box to confirm."))}
        return await _edition_page(
            request, runtime, edition_id, 400, form=target, errors=errors, values=values
        )
    try:
        await staff.change_edition(runtime, edition_id, target)
    except Refused as exc:
        if int(exc.kind) != 409:
            raise page_error(exc) from exc
        errors = {box: await _change_refused(request, runtime, edition_id, target)}
        return await _edition_page(
            request, runtime, edition_id, 409, form=target, errors=errors, values=values
        )
    return Redirect(f"/bench/staff/editions/{edition_id}?done={done}#done", status_code=303)


async def _change_refused(
    request: Request[Any, Any, Any], runtime: Runtime, edition_id: uuid.UUID, target: str
) -> str:
    """Why the change was refused, in the page's language (the order of the domain's rule)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.edition(conn, edition_id)
    if row is None:
        raise NotFoundException(f"no edition {edition_id}")
    if row["status"] == "held":
        return t(request, N_("This session was already recorded as held: nothing was changed."))
    if row["status"] == target:
        if target == "open":
            return t(request, N_("Submissions are already open: nothing was changed."))
        return t(request, N_("Submissions are already closed: nothing was changed."))
    if target == "open":
        return t(
            request,
            N_(
                "The closing time of this session (%(when)s) has passed: submissions cannot be "
                "reopened."
            ),
            when=row["submissions_close_at"].astimezone(domain.WARSAW).strftime("%Y-%m-%d %H:%M"),
        )
    return t(
        request,
        N_("This session is planned for %(day)s: record it as held on or after that day."),
        day=row["held_on"].isoformat(),
    )


@post(
    "/bench/staff/editions/{edition_id:uuid}/submissions/open",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def open_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Take questions again: the same call as POST /api/bench/editions/{id}/submissions/open."""
    return await _change(request, runtime, edition_id, "open")


@post(
    "/bench/staff/editions/{edition_id:uuid}/submissions/close",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def close_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Stop web and e-mail questions: the same call as POST .../submissions/close."""
    return await _change(request, runtime, edition_id, "closed")


@post("/bench/staff/editions/{edition_id:uuid}/held", guards=COORDINATOR, include_in_schema=False)
async def held_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The session took place: the same call as POST /api/bench/editions/{id}/held."""
    return await _change(request, runtime, edition_id, "held")


@post(
    "/bench/staff/editions/{edition_id:uuid}/entered-questions",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def entered_question_form(
    request: Request[Any, Any, Any], edition_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """A question from the room or on paper: the same call as POST .../entered-questions.

    The form's nonce makes a double submit show the first question instead of another."""
    values = await form_values(request, *ENTERED_FIELDS)
    data, errors = convert(
        request,
        EnteredQuestionIn,
        {
            "channel": values["channel"],
            "text": values["text"].strip(),
            "topic": values["topic"],
            "language": values["language"],
            "group": values["group"] or None,
            "name": values["name"].strip() or None,
            "email": values["email"].strip() or None,
            "consent": values["consent"] == "yes" and bool(values["email"].strip()),
            "answered_live_at": utcnow() if values["answered_live"] == "yes" else None,
        },
        ENTERED_MESSAGES,
        {"answered_live_at": "answered_live"},
    )
    status_code = 400
    if data is not None:
        nonce = values["nonce"][:64] or secrets.token_urlsafe(16)
        target = f"/bench/staff/editions/{edition_id}?done=entered"
        try:
            created = await staff.enter_question(
                runtime, edition_id, data, by=user_of(request).subject, nonce=nonce
            )
        except Refused as exc:
            if int(exc.kind) != 422 or exc.field not in ENTERED_MESSAGES:
                raise page_error(exc) from exc
            status_code = 422
            field = str(exc.field)
            errors = {field: t(request, ENTERED_MESSAGES[field])}
        else:
            if isinstance(created, uuid.UUID):  # the same form sent again
                return Redirect(f"{target}&question={created}#done", status_code=303)
            assert isinstance(created, QuestionCreated)
            # The slip with the tracking code is this answer itself, not a redirect: the code
            # (stored only hashed) must never be in an address, a history or a log. Sending the
            # form again finds its nonce and shows the question without the code.
            slip = {
                "edition_id": str(edition_id),
                "question_id": str(created.id),
                "token": created.tracking_token,
            }
            return await replay.render_answer(request, runtime, ENTERED_SLIP, slip, 201)
    return await _edition_page(
        request, runtime, edition_id, status_code, form="entered", errors=errors, values=values
    )


route_handlers = [
    new_edition_page,
    new_edition_form,
    texts_page,
    texts_form,
    edition_page,
    open_form,
    close_form,
    held_form,
    entered_question_form,
]
