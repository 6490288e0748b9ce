"""Staff pages of the Dialogue Bench (pl/en/uk, no JavaScript): the queue, a question with its
moderation, routing and answer forms, and the e-mail moderation queue.

Signed in with the session cookie (or a bearer token). Every action is a POST form with the
CSRF field that calls the same function as the staff API (`staff.py`, `intake.resolve`), so the
rules are the same whichever door a person uses; a refusal is explained in the page's language
with what was typed kept, a success redirects to a page that says what was done.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import domain, intake, mailparse, staff, store
from services.participation.bench import store_mail as sm
from services.participation.bench.pages import catalogs, pages
from services.participation.bench.schemas import (
    AnswerIn,
    AssignmentIn,
    InboundResolutionIn,
    ModerationIn,
)
from shared.auth import Principal, current_user, requires
from shared.events.catalogue import LANGUAGES, TOPICS
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language

SCHEMA = staff.SCHEMA
STAFF = [requires("coordinator", "responder")]
COORDINATOR = [requires("coordinator")]
STATUSES = ("received", "accepted", "assigned", "answered", "rejected", "merged")
CHANNELS = ("web", "email", "live", "paper")
REASON_CODES = ("abuse", "spam", "off_topic", "not_a_question", "personal_data", "other")
RAW_SHOWN = 64 * 1024
LANGUAGE_NAMES = {
    "pl": "polski",
    "en": "English",
    "uk": "українська",
    "ru": "русский",
    "be": "беларуская",
}
# Control characters and bidirectional overrides would hide or reorder what a mail really says.
_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel's default keywords); translated when shown."""
    return message


# Messages (msgids) per form field; %(min)s / %(max)s come from the schema's own limits.
ANSWER_MESSAGES = {
    "text": N_("Write the answer: %(min)s to %(max)s characters."),
    "language": N_("Choose the language of the answer."),
}
ASSIGNMENT_MESSAGES = {
    "responder": N_("Enter the responder's account name: %(min)s to %(max)s characters."),
    "department": N_("Enter the department: %(min)s to %(max)s characters."),
    "responder_email": N_("Enter an e-mail address like name@krakow.pl, or leave it empty."),
}
MODERATION_MESSAGES = {
    "decision": N_("Choose what to do with the question."),
    "reason": N_("Write the reason in %(min)s to %(max)s characters."),
    "reason_code": N_("Choose one of the reasons."),
    "merged_into": N_("Enter the reference of a question of this session, like LD-2026-01-0007."),
    "topic": N_("Choose one of the topics."),
    "language": N_("Choose one of the languages."),
}
RESOLUTION_MESSAGES = {
    "action": N_("Choose what to do with the message."),
    "reason": N_("Write the reason in %(min)s to %(max)s characters."),
    "edition_id": N_("Choose the session the question is for."),
    "text": N_("Write the question as you read it: %(min)s to %(max)s characters."),
    "topic": N_("Choose one of the topics."),
    "language": N_("Choose one of the languages."),
}
# Form field names where they differ from the schema's (two forms share a page).
MODERATION_FIELDS = {"topic": "new_topic", "language": "new_language"}


def _user(request: Request[Any, Any, Any]) -> Principal:
    user = current_user(request)
    assert user is not None  # the route's guard admitted a signed-in caller
    return user


def _t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    text = catalogs.gettext(negotiate_language(request), message)
    return text % values if values else text


def _limits(struct: Any, name: str) -> dict[str, Any]:
    """min/max length of a text field, read from the schema (Optional fields included)."""
    info: Any = next(f.type for f in msgspec.inspect.type_info(struct).fields if f.name == name)
    for candidate in getattr(info, "types", (info,)):
        if isinstance(candidate, msgspec.inspect.StrType):
            return {"min": candidate.min_length, "max": candidate.max_length}
    return {}


def _convert(
    request: Request[Any, Any, Any],
    struct: Any,
    body: dict[str, Any],
    messages: dict[str, str],
    fields: dict[str, str] | None = None,
) -> tuple[Any, dict[str, str]]:
    """The form as the API's body, or a message per form field that breaks the schema.

    Each field is checked against its own type, so every problem is listed at once.
    """
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in body:
            continue
        try:
            msgspec.convert(body[field.name], field.type)
        except msgspec.ValidationError:
            form_name = (fields or {}).get(field.name, field.name)
            errors[form_name] = _t(request, messages[field.name], **_limits(struct, field.name))
    if errors:
        return None, errors
    return msgspec.convert(body, struct), {}


def _refusal(exc: HTTPException) -> str | None:
    """The field a 422 of the service names (`field_error`), if any."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    return next((str(e.get("key")) for e in extra if isinstance(e, dict)), None)


def visible(text: str | None) -> str:
    """Resident-written text with control characters and direction overrides shown as U+FFFD,
    so what is shown reads in the order it was written."""
    return _HIDDEN.sub("\ufffd", text or "")


def warsaw_time(moment: datetime | None) -> str:
    """A moment as Kraków wall time, to the minute."""
    return moment.astimezone(domain.WARSAW).strftime("%Y-%m-%d %H:%M") if moment else ""


def warsaw_date(moment: datetime | None) -> str:
    """The Kraków day of a moment (deadlines are days)."""
    return moment.astimezone(domain.WARSAW).date().isoformat() if moment else ""


def _render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    return pages.render(
        request,
        template,
        status_code,
        when=warsaw_time,
        day=warsaw_date,
        visible=visible,
        user=_user(request),
        **context,
    )


def _choice(value: str, allowed: tuple[str, ...]) -> str | None:
    """An optional filter: empty is none, anything not offered is a bad request."""
    if not value:
        return None
    if value not in allowed:
        raise HTTPException(status_code=400, detail=f"not one of {', '.join(allowed)}")
    return value


# --- The queue ---------------------------------------------------------------------------


@get("/bench/staff", guards=STAFF, include_in_schema=False)
async def queue_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    edition: str = Parameter(query="edition", default="", max_length=64),
    status: str = Parameter(query="status", default="", max_length=20),
    topic: str = Parameter(query="topic", default="", max_length=40),
    language: str = Parameter(query="language", default="", max_length=5),
    channel: str = Parameter(query="channel", default="", max_length=10),
    assigned: str = Parameter(query="assigned", default="", max_length=10),
    limit: int = Parameter(query="limit", default=50, ge=1, le=500),
    offset: int = Parameter(query="offset", default=0, ge=0, le=10_000_000),
) -> Response[str]:
    """An edition's questions, overdue first; a responder starts with their own."""
    user = _user(request)
    filters = {
        "status": _choice(status, STATUSES),
        "topic": _choice(topic, TOPICS),
        "language": _choice(language, LANGUAGES),
        "channel": _choice(channel, CHANNELS),
    }
    mine = _choice(assigned, ("me", "all")) or ("all" if user.has("coordinator") else "me")
    async with runtime.pool(SCHEMA).acquire() as conn:
        editions, _ = await store.list_editions(conn, 100, 0)
    chosen = None
    if edition:
        try:
            chosen = uuid.UUID(edition)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail="not an edition id") from exc
    elif editions:
        chosen = editions[0]["id"]
    items: list[Any] = []
    total = 0
    if chosen is not None:
        items, total = await staff.queue(
            runtime,
            chosen,
            {**filters, "assigned_to": user.subject if mine == "me" else None},
            limit,
            offset,
        )
    shown = {
        "edition": str(chosen) if chosen else "",
        **{k: v or "" for k, v in filters.items()},
        "assigned": mine,
        "limit": limit,
    }

    def page_url(new_offset: int) -> str:
        return "/bench/staff?" + urlencode({**shown, "offset": new_offset})

    return _render(
        request,
        "bench/staff/queue.html",
        editions=editions,
        chosen=chosen,
        filters=shown,
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        previous_url=page_url(max(0, offset - limit)) if offset > 0 else None,
        next_url=page_url(offset + limit) if offset + limit < total else None,
        may_open=lambda item: staff.may_see(user, item.assigned_to),
        statuses=STATUSES,
        topics=TOPICS,
        question_languages=LANGUAGES,
        channels=CHANNELS,
    )


# --- One question ------------------------------------------------------------------------


async def _question_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    question_id: uuid.UUID,
    status_code: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
) -> Response[str]:
    user = _user(request)
    detail = await staff.question_detail(runtime, user, question_id)
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await store.edition(conn, detail.edition_id)
        target = await staff.question_reference(conn, detail.merged_into)
    coordinator = user.has("coordinator")
    return _render(
        request,
        "bench/staff/question.html",
        status_code,
        q=detail,
        edition=edition,
        merged_reference=target,
        form=form,
        errors=errors or {},
        values=values or {},
        done=done,
        can_answer=domain.answer_refusal(detail.status) is None,
        can_accept=coordinator and domain.moderation_refusal(detail.status, "accepted") is None,
        can_moderate=coordinator and domain.moderation_refusal(detail.status, "rejected") is None,
        can_assign=coordinator and detail.status not in domain.FINAL_STATUSES,
        answer_languages=list(dict.fromkeys([detail.language, "pl"])),
        topics=TOPICS,
        question_languages=LANGUAGES,
        reason_codes=REASON_CODES,
    )


@get("/bench/staff/questions/{question_id:uuid}", guards=STAFF, include_in_schema=False)
async def question_page(
    request: Request[Any, Any, Any],
    question_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """The question (escaped, in its own language), its history, duplicates and the forms."""
    return await _question_page(request, runtime, question_id, done=done)


async def _form(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name, "")) for name in names}


@post("/bench/staff/questions/{question_id:uuid}/answer", guards=STAFF, include_in_schema=False)
async def answer_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The written answer: the same call as POST /api/bench/questions/{id}/answer."""
    values = await _form(request, "text", "language")
    data, errors = _convert(
        request,
        AnswerIn,
        {"text": values["text"].strip(), "language": values["language"]},
        ANSWER_MESSAGES,
    )
    status_code = 400
    if data is not None:
        try:
            await staff.answer(runtime, _user(request), question_id, data)
        except HTTPException as exc:
            if exc.status_code not in (409, 422):
                raise
            status_code = exc.status_code
            errors = await _answer_refused(request, runtime, question_id, exc)
        else:
            return Redirect(
                f"/bench/staff/questions/{question_id}?done=answered#done", status_code=303
            )
    return await _question_page(
        request, runtime, question_id, status_code, form="answer", errors=errors, values=values
    )


async def _answer_refused(
    request: Request[Any, Any, Any], runtime: Runtime, question_id: uuid.UUID, exc: HTTPException
) -> dict[str, str]:
    detail = await staff.question_detail(runtime, _user(request), question_id)
    if exc.status_code == 422:
        return {
            "language": _t(
                request,
                N_("Answer in the asker's language (%(language)s) or in Polish."),
                language=LANGUAGE_NAMES.get(detail.language, detail.language),
            )
        }
    messages = {
        "answered": N_(
            "This question has already been answered, perhaps by someone else a moment ago: "
            "your answer was not sent. Its text is kept below."
        ),
        "merged": N_(
            "This question was merged into another one: answer that question instead. Your "
            "answer was not sent; its text is kept below."
        ),
        "rejected": N_(
            "This question was rejected, so it gets no written answer. Your answer was not "
            "sent; its text is kept below."
        ),
    }
    return {"text": _t(request, messages.get(detail.status, messages["answered"]))}


@post(
    "/bench/staff/questions/{question_id:uuid}/moderation",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def moderation_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Accept, reject or merge: the same call as POST /api/bench/questions/{id}/moderation."""
    values = await _form(
        request, "decision", "reason", "reason_code", "merged_into", "new_topic", "new_language"
    )
    body: dict[str, Any] = {
        "decision": values["decision"],
        "reason": values["reason"].strip() or None,
        "reason_code": values["reason_code"] or None,
        "topic": values["new_topic"] or None,
        "language": values["new_language"] or None,
    }
    errors: dict[str, str] = {}
    if values["decision"] == "merged" and values["merged_into"].strip():
        target = await staff.question_by_reference(runtime, values["merged_into"])
        if target is None:
            errors["merged_into"] = _t(request, MODERATION_MESSAGES["merged_into"])
        else:
            body["merged_into"] = target
    data, schema_errors = _convert(
        request, ModerationIn, body, MODERATION_MESSAGES, MODERATION_FIELDS
    )
    errors = {**schema_errors, **errors}
    status_code = 400
    if not errors:
        try:
            await staff.moderate(runtime, _user(request), question_id, data)
        except HTTPException as exc:
            if exc.status_code not in (409, 422):
                raise
            status_code = exc.status_code
            errors = await _moderation_refused(request, runtime, question_id, data, exc)
        else:
            return Redirect(
                f"/bench/staff/questions/{question_id}?done=moderated#done", status_code=303
            )
    return await _question_page(
        request, runtime, question_id, status_code, form="moderation", errors=errors, values=values
    )


async def _moderation_refused(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    question_id: uuid.UUID,
    data: ModerationIn,
    exc: HTTPException,
) -> dict[str, str]:
    field = _refusal(exc)
    if field == "reason":
        return {"reason": _t(request, N_("Say why the question is rejected."))}
    if field == "merged_into":
        return {"merged_into": _t(request, MODERATION_MESSAGES["merged_into"])}
    detail = await staff.question_detail(runtime, _user(request), question_id)
    if domain.moderation_refusal(detail.status, data.decision) is not None:
        return {
            "question-status": _t(
                request,
                N_(
                    "This question was moderated in the meantime; see its state above and "
                    "reload the page."
                ),
            )
        }
    if data.merged_into == question_id:
        return {"merged_into": _t(request, N_("A question cannot be merged into itself."))}
    return {
        "merged_into": _t(
            request,
            N_(
                "That question was itself rejected or merged: merge into the question it was "
                "merged into."
            ),
        )
    }


@post(
    "/bench/staff/questions/{question_id:uuid}/assignment",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def assignment_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Route to a responder: the same call as POST /api/bench/questions/{id}/assignment."""
    values = await _form(request, "responder", "department", "responder_email")
    data, errors = _convert(
        request,
        AssignmentIn,
        {
            "responder": values["responder"].strip(),
            "department": values["department"].strip(),
            "responder_email": values["responder_email"].strip() or None,
        },
        ASSIGNMENT_MESSAGES,
    )
    status_code = 400
    if data is not None:
        try:
            await staff.assign(runtime, question_id, data)
        except HTTPException as exc:
            if exc.status_code != 409:
                raise
            status_code = 409
            errors = {
                "question-status": _t(
                    request,
                    N_(
                        "This question is answered, rejected or merged: it can no longer be "
                        "assigned."
                    ),
                )
            }
        else:
            return Redirect(
                f"/bench/staff/questions/{question_id}?done=assigned#done", status_code=303
            )
    return await _question_page(
        request, runtime, question_id, status_code, form="assignment", errors=errors, values=values
    )


# --- Mail held for moderation ------------------------------------------------------------


@get("/bench/staff/inbound-mail", guards=COORDINATOR, include_in_schema=False)
async def inbound_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    limit: int = Parameter(query="limit", default=50, ge=1, le=500),
    offset: int = Parameter(query="offset", default=0, ge=0, le=10_000_000),
    done: str = Parameter(query="done", default="", max_length=20),
    question: uuid.UUID | None = Parameter(query="question", default=None),
) -> Response[str]:
    """Mail the intake could not make a question of, with the reason, newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await sm.list_inbound(conn, "moderation", limit, offset)
        created = await staff.question_reference(conn, question) if done == "resolved" else None

    def page_url(new_offset: int) -> str:
        return "/bench/staff/inbound-mail?" + urlencode({"limit": limit, "offset": new_offset})

    return _render(
        request,
        "bench/staff/inbound.html",
        items=rows,
        total=total,
        offset=offset,
        done=done,
        created=(question, created) if created else None,
        previous_url=page_url(max(0, offset - limit)) if offset > 0 else None,
        next_url=page_url(offset + limit) if offset + limit < total else None,
    )


def shown_raw(raw: bytes | None) -> tuple[str, bool]:
    """The raw message as text to show escaped: decoded leniently, control characters and
    direction overrides made visible as U+FFFD, cut at RAW_SHOWN bytes. (text, was it cut)."""
    data = bytes(raw or b"")
    return visible(data[:RAW_SHOWN].decode("utf-8", errors="replace")), len(data) > RAW_SHOWN


async def _inbound_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    inbound_id: uuid.UUID,
    status_code: int = 200,
    *,
    form: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sm.inbound(conn, inbound_id)
        if row is None:
            raise NotFoundException(f"no inbound message {inbound_id}")
        editions = await store.editions_accepting(conn)
    raw_text, cut = shown_raw(row["raw"])
    if values is None:
        values = _reading(row, runtime.settings.intake_domain, editions)
    elif form == "discard":
        # The question form keeps what the intake read when the discard form is refused.
        reading = _reading(row, runtime.settings.intake_domain, editions)
        values = {**reading, "reason": values.get("reason", "")}
    return _render(
        request,
        "bench/staff/inbound_mail.html",
        status_code,
        mail=row,
        raw_text=raw_text,
        raw_cut=cut,
        editions=editions,
        form=form,
        errors=errors or {},
        values=values,
        topics=TOPICS,
        question_languages=LANGUAGES,
    )


def _reading(row: Any, intake_domain: str, editions: list[Any]) -> dict[str, str]:
    """The question form filled with what the intake reads in the message, for a person to fix."""
    _ours, tag = mailparse.bench_recipient(row["rcpt_to"], intake_domain)
    open_ids = [str(e["id"]) for e in editions]
    values = {
        "edition_id": tag if tag in open_ids else (open_ids[0] if open_ids else ""),
        "text": "",
        "topic": "other",
        "language": "pl",
    }
    try:
        parsed = mailparse.parse_mail(bytes(row["raw"] or b""), row["mail_from"])
    except mailparse.UnreadableMail:
        return values
    text = mailparse.question_text(parsed)
    values["text"] = visible(text[: intake.MAX_QUESTION_CHARS])
    values["topic"] = domain.guess_topic(f"{parsed.subject}\n{text}")
    values["language"] = domain.detect_language(text, parsed.content_language)
    return values


@get("/bench/staff/inbound-mail/{inbound_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def inbound_mail_page(
    request: Request[Any, Any, Any], inbound_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """One held message as it arrived (escaped text only) and the two ways to settle it."""
    return await _inbound_page(request, runtime, inbound_id)


@post(
    "/bench/staff/inbound-mail/{inbound_id:uuid}/resolution",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def resolution_form(
    request: Request[Any, Any, Any], inbound_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Make it a question or discard it: the same call as POST /api/bench/inbound-mail/{id}/resolution."""
    values = await _form(request, "action", "reason", "edition_id", "text", "topic", "language")
    action = values["action"]
    if action == "discard":
        body: dict[str, Any] = {"action": action, "reason": values["reason"].strip() or None}
    else:
        body = {
            "action": action,
            "edition_id": values["edition_id"] or None,
            "text": values["text"].strip() or None,
            "topic": values["topic"] or None,
            "language": values["language"] or None,
        }
    data, errors = _convert(
        request, InboundResolutionIn, body, RESOLUTION_MESSAGES, {"action": "mail-state"}
    )
    status_code = 400
    if data is not None:
        try:
            settled = await intake.resolve(runtime, inbound_id, data, by=_user(request).subject)
        except HTTPException as exc:
            if exc.status_code not in (404, 409, 422):
                raise
            status_code = exc.status_code if exc.status_code != 404 else 400
            errors = await _resolution_refused(request, runtime, inbound_id, exc)
        else:
            target = "/bench/staff/inbound-mail?done=" + settled.status
            if settled.question_id:
                target += f"&question={settled.question_id}"
            return Redirect(target + "#done", status_code=303)
    form = "discard" if action == "discard" else "question"
    return await _inbound_page(
        request, runtime, inbound_id, status_code, form=form, errors=errors, values=values
    )


async def _resolution_refused(
    request: Request[Any, Any, Any], runtime: Runtime, inbound_id: uuid.UUID, exc: HTTPException
) -> dict[str, str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sm.inbound(conn, inbound_id)
    if row is None:
        raise NotFoundException(f"no inbound message {inbound_id}")
    field = _refusal(exc)
    if exc.status_code == 422 and field == "reason":
        return {"reason": _t(request, N_("Say why the message is discarded."))}
    if exc.status_code == 422 and field in RESOLUTION_MESSAGES:
        return {
            field: _t(request, RESOLUTION_MESSAGES[field], **_limits(InboundResolutionIn, field))
        }
    if row["status"] != "moderation":
        return {
            "mail-state": _t(
                request, N_("This message was already handled by someone else; reload the list.")
            )
        }
    return {
        "edition_id": _t(
            request, N_("That session takes no more questions by e-mail: choose one that does.")
        )
    }


route_handlers = [
    queue_page,
    question_page,
    answer_form,
    moderation_form,
    assignment_form,
    inbound_page,
    inbound_mail_page,
    resolution_form,
]
