"""Staff pages of the Dialogue Bench (pl/en/uk, no JavaScript): an edition's queue, and a
question's page with its answer, moderation, assignment and answered-live forms.

Signed in with the session cookie (or a bearer token). Every action is a POST form with the
CSRF field that calls the same function as the staff API (`commands/staff.py`), so the rules are the same
whichever door a person uses; a refusal is explained in the page's language with what was typed
kept, a success redirects (303) to the page saying what was done. The e-mail moderation pages are
in `mail.py`, the coordinator's session page (edition state, entered questions) in
`session.py`.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import domain, queries, store, store_archive
from services.participation.bench import store_departments as sd
from services.participation.bench import store_questions as sq
from services.participation.bench import store_responders as sr
from services.participation.bench.commands import SCHEMA, publication, staff
from services.participation.bench.pages.forms import (
    COORDINATOR,
    STAFF,
    choice,
    convert,
    explained,
    render,
    t,
)
from services.participation.bench.pages.public import page_error, readable
from services.participation.bench.schemas import (
    AnsweredLiveIn,
    AnswerIn,
    AssignmentIn,
    ModerationIn,
)
from shared import content
from shared.events.catalogue import LANGUAGES, TOPICS
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.forms import N_, form_values, user_of

STATUSES = (
    "received",
    "accepted",
    "assigned",
    "answer_in_review",
    "answered",
    "follow_up",
    "rejected",
    "merged",
)
CHANNELS = ("web", "email", "live", "paper")
REASON_CODES = ("abuse", "spam", "off_topic", "not_a_question", "personal_data", "other")

# Messages (msgids) per form field; %(min)s / %(max)s come from the schema's own limits.
ANSWER_MESSAGES = {
    "text": N_("Write the answer: %(min)s to %(max)s characters."),
    "language": N_("Choose the language of the answer."),
}
ASSIGNMENT_MESSAGES = {
    "responder": N_("Enter the responder's account name: %(min)s to %(max)s characters."),
    "department": N_("Enter the department: %(min)s to %(max)s characters."),
    "responder_email": N_("Enter an e-mail address like name@krakow.pl, or leave it empty."),
    "responder_id": N_("Choose a responder from the list."),
    "department_id": N_("Choose a department from the list."),
}
ASSIGNMENT_ORDER = ("department_id", "responder_id", "department", "responder", "responder_email")
MODERATION_MESSAGES = {
    "decision": N_("Choose what to do with the question."),
    "reason": N_("Write the reason in %(min)s to %(max)s characters."),
    "reason_code": N_("Choose one of the reasons."),
    "merged_into": N_("Enter the reference of a question of this session, like LD-2026-01-0007."),
    "topic": N_("Choose one of the topics."),
    "language": N_("Choose one of the languages."),
}
# Form field names where they differ from the schema's (two forms share a page).
MODERATION_FIELDS = {"topic": "new_topic", "language": "new_language"}


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
    department: str = Parameter(query="department", default="", max_length=64),
    limit: int = Parameter(query="limit", default=50, ge=1, le=500),
    offset: int = Parameter(query="offset", default=0, ge=0, le=10_000_000),
) -> Response[str]:
    """An edition's questions, overdue first; a responder starts with their own."""
    user = user_of(request)
    filters = {
        "status": choice(status, STATUSES),
        "topic": choice(topic, TOPICS),
        "language": choice(language, LANGUAGES),
        "channel": choice(channel, CHANNELS),
    }
    mine = choice(assigned, ("me", "all")) or ("all" if user.has("coordinator") else "me")
    department_id = None
    if department:
        try:
            department_id = uuid.UUID(department)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail="not a department id") from exc
    async with runtime.pool(SCHEMA).acquire() as conn:
        editions, _ = await store.list_editions(conn, 100, 0)
        names = await sr.names(conn)
        department_rows = await sd.list_all(conn)
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
        items, total = await readable(
            queries.queue(
                runtime,
                chosen,
                {
                    **filters,
                    "assigned_to": user.subject if mine == "me" else None,
                    "department_id": department_id,
                },
                limit,
                offset,
            )
        )
    shown = {
        "edition": str(chosen) if chosen else "",
        **{k: v or "" for k, v in filters.items()},
        "assigned": mine,
        "department": str(department_id) if department_id else "",
        "limit": limit,
    }

    def page_url(new_offset: int) -> str:
        return "/bench/staff?" + urlencode({**shown, "offset": new_offset})

    return render(
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
        may_open=lambda item: queries.may_see(user, item.assigned_to),
        who=lambda subject: names.get(subject, subject),
        statuses=STATUSES,
        topics=TOPICS,
        question_languages=LANGUAGES,
        channels=CHANNELS,
        departments=department_rows,
    )


# --- One question ------------------------------------------------------------------------


def template_version(row: Any, languages: list[str]) -> tuple[str, str] | None:
    """(text, language) of an answer template to answer in one of `languages` (the asker's
    first, then Polish): its original or a version typed for it; None when it has neither."""
    versions = {**content.versions(row["text_i18n"]), row["language"]: row["text"]}
    for code in languages:
        if versions.get(code):
            return versions[code], code
    return None


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
    template: uuid.UUID | None = None,
    translation_values: dict[str, str] | None = None,
    translation_drafts: dict[str, str] | None = None,
) -> Response[str]:
    user = user_of(request)
    detail = await readable(queries.question_detail(runtime, user, question_id))
    coordinator = user.has("coordinator")
    answer_languages = list(dict.fromkeys([detail.language, "pl"]))
    async with runtime.pool(SCHEMA).acquire() as conn:
        edition = await store.edition(conn, detail.edition_id)
        target = await queries.question_reference(conn, detail.merged_into)
        responders = await sr.list_all(conn, active_only=True) if coordinator else []
        department_rows = await sd.list_all(conn) if coordinator else []
        templates = [
            {"id": row["id"], "title": row["title"], "language": version[1]}
            for row in await sq.list_templates(conn, detail.topic, None)
            if (version := template_version(row, answer_languages)) is not None
        ]
        chosen = await sq.template(conn, template) if template else None
        names = await sr.names(conn)
        row = await sq.question(conn, question_id)
        answer_rows = await store_archive.answers(conn, question_id)
    version = template_version(chosen, answer_languages) if chosen is not None else None
    if version is not None and form is None:
        # "Use this template": the answer form filled with it, to be read and changed first —
        # its version in the asker's language where it has one, else the Polish one.
        form = "answer"
        values = {"text": version[0], "language": version[1]}
    return render(
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
        can_assign=coordinator
        and detail.status not in domain.FINAL_STATUSES
        and detail.status != "answer_in_review",
        can_mark_live=coordinator
        and detail.answered_live_at is None
        and detail.status not in ("rejected", "merged"),
        answer_languages=answer_languages,
        responders=responders,
        departments=department_rows,
        proposed_responders=[
            r
            for r in responders
            if detail.proposed_department is not None
            and r["department_id"] == detail.proposed_department.id
        ],
        templates=templates,
        chosen_template=str(template) if chosen is not None else "",
        who=lambda subject: names.get(subject, subject),
        topics=TOPICS,
        question_languages=LANGUAGES,
        reason_codes=REASON_CODES,
        publication=publication.publication(row) if row is not None else None,
        publication_answers=[{**dict(a), "position": n} for n, a in enumerate(answer_rows)],
        translation_values=translation_values
        if translation_values is not None
        else translations_of(row, answer_rows),
        translation_drafts=translation_drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
    )


def translations_of(row: Any, answers: list[Any]) -> dict[str, str]:
    """The stored translations as the translation form's values (`question__en`, `answer_0__uk`)."""
    if row is None:
        return {}
    values = content.form_values("question", row["text_i18n"])
    for n, answer in enumerate(answers):
        values |= content.form_values(f"answer_{n}", answer["text_i18n"])
    return values


@get("/bench/staff/questions/{question_id:uuid}", guards=STAFF, include_in_schema=False)
async def question_page(
    request: Request[Any, Any, Any],
    question_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
    template: uuid.UUID | None = Parameter(query="template", default=None),
) -> Response[str]:
    """The question (escaped, in its own language), its history, duplicates and the forms;
    `?template=` fills the answer form with an answer template."""
    return await _question_page(request, runtime, question_id, done=done, template=template)


@post("/bench/staff/questions/{question_id:uuid}/answer", guards=STAFF, include_in_schema=False)
async def answer_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """The written answer: the same call as POST /api/bench/questions/{id}/answer."""
    values = await form_values(request, "text", "language")
    data, errors = convert(
        request,
        AnswerIn,
        {"text": values["text"].strip(), "language": values["language"]},
        ANSWER_MESSAGES,
    )
    status_code = 400
    if data is not None:
        try:
            result = await staff.answer(runtime, user_of(request), question_id, data)
        except Refused as exc:
            if int(exc.kind) not in (409, 422):
                raise page_error(exc) from exc
            status_code = int(exc.kind)
            # A state refusal concerns the text that was not sent: said next to it.
            errors = explained(request, exc, anchor="text", order=("text", "language"))
        else:
            done = "in_review" if result.status == "answer_in_review" else "answered"
            return Redirect(
                f"/bench/staff/questions/{question_id}?done={done}#done", status_code=303
            )
    return await _question_page(
        request, runtime, question_id, status_code, form="answer", errors=errors, values=values
    )


@post(
    "/bench/staff/questions/{question_id:uuid}/moderation",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def moderation_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Accept, reject or merge: the same call as POST /api/bench/questions/{id}/moderation."""
    values = await form_values(
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
        target = await queries.question_by_reference(runtime, values["merged_into"])
        if target is None:
            errors["merged_into"] = t(request, MODERATION_MESSAGES["merged_into"])
        else:
            body["merged_into"] = target
    data, schema_errors = convert(
        request, ModerationIn, body, MODERATION_MESSAGES, MODERATION_FIELDS
    )
    errors = {**schema_errors, **errors}
    status_code = 400
    if not errors:
        try:
            await staff.moderate(runtime, user_of(request), question_id, data)
        except Refused as exc:
            if int(exc.kind) not in (409, 422):
                raise page_error(exc) from exc
            status_code = int(exc.kind)
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
    exc: Refused,
) -> dict[str, str]:
    field = exc.field
    if field == "reason":
        return {"reason": t(request, N_("Say why the question is rejected."))}
    if field == "merged_into":
        return {"merged_into": t(request, MODERATION_MESSAGES["merged_into"])}
    detail = await readable(queries.question_detail(runtime, user_of(request), question_id))
    if domain.moderation_refusal(detail.status, data.decision) is not None:
        return {
            "question-status": t(
                request,
                N_(
                    "This question was moderated in the meantime; see its state above and "
                    "reload the page."
                ),
            )
        }
    if data.merged_into == question_id:
        return {"merged_into": t(request, N_("A question cannot be merged into itself."))}
    return {
        "merged_into": t(
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
    """Route to a responder: the same call as POST /api/bench/questions/{id}/assignment, with
    a responder of the registry (`responder_id`) or, below it, an account typed by hand."""
    values = await form_values(
        request, "responder_id", "responder", "department", "responder_email", "department_id"
    )
    body: dict[str, Any] = {
        "responder_id": values["responder_id"] or None,
        "department": values["department"].strip() or None,
        "department_id": values["department_id"] or None,
    }
    if not values["responder_id"]:
        body["responder"] = values["responder"].strip() or None
        body["responder_email"] = values["responder_email"].strip() or None
    data, errors = convert(request, AssignmentIn, body, ASSIGNMENT_MESSAGES)
    if not values["responder_id"] and not values["responder"].strip():
        # Said with the other mistakes at once (the command refuses it too: responder_needed).
        errors = {"responder_id": t(request, ASSIGNMENT_MESSAGES["responder_id"]), **errors}
        data = None
    status_code = 400
    if data is not None:
        try:
            await staff.assign(runtime, question_id, data)
        except Refused as exc:
            if int(exc.kind) not in (404, 409, 422) or exc.code == "bench.question_not_found":
                raise page_error(exc) from exc
            status_code = 409 if int(exc.kind) == 409 else 422
            # Someone typed by hand but not named: the list is the field to fix.
            names = {"responder": "responder_id"} if not values["responder"].strip() else {}
            errors = explained(
                request, exc, anchor="question-status", names=names, order=ASSIGNMENT_ORDER
            )
        else:
            return Redirect(
                f"/bench/staff/questions/{question_id}?done=assigned#done", status_code=303
            )
    return await _question_page(
        request, runtime, question_id, status_code, form="assignment", errors=errors, values=values
    )


@post(
    "/bench/staff/questions/{question_id:uuid}/answered-live",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def answered_live_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Answered on stage, now: the same call as POST /api/bench/questions/{id}/answered-live."""
    try:
        await staff.answered_live(runtime, question_id, AnsweredLiveIn())
    except Refused as exc:
        if int(exc.kind) != 409:
            raise page_error(exc) from exc
        detail = await readable(queries.question_detail(runtime, user_of(request), question_id))
        message = (
            N_("This question was already marked as answered in the room.")
            if detail.answered_live_at is not None
            else N_("This question was rejected or merged: it cannot be marked as answered.")
        )
        errors = {"question-status": t(request, message)}
        return await _question_page(
            request, runtime, question_id, 409, form="answered_live", errors=errors
        )
    return Redirect(
        f"/bench/staff/questions/{question_id}?done=answered_live#done", status_code=303
    )


REVIEW_COMMENT = N_("Write what to change in %(min)s to %(max)s characters.")


@post(
    "/bench/staff/questions/{question_id:uuid}/review/approve",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def approve_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Approve the answer waiting for review: POST /api/bench/questions/{id}/review/approve."""
    try:
        await staff.approve_answer(runtime, user_of(request), question_id)
    except Refused as exc:
        if int(exc.kind) != 409:
            raise page_error(exc) from exc
        errors = explained(request, exc, anchor="question-status")
        return await _question_page(
            request, runtime, question_id, 409, form="review", errors=errors
        )
    return Redirect(f"/bench/staff/questions/{question_id}?done=approved#done", status_code=303)


@post(
    "/bench/staff/questions/{question_id:uuid}/review/return",
    guards=COORDINATOR,
    include_in_schema=False,
)
async def return_form(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Return the answer with a comment: POST /api/bench/questions/{id}/review/return."""
    values = await form_values(request, "comment")
    comment = values["comment"].strip()
    if not 3 <= len(comment) <= 2000:
        errors = {"comment": t(request, REVIEW_COMMENT, min=3, max=2000)}
        return await _question_page(
            request, runtime, question_id, 400, form="review", errors=errors, values=values
        )
    try:
        await staff.return_answer(runtime, user_of(request), question_id, comment)
    except Refused as exc:
        if int(exc.kind) not in (409, 422):
            raise page_error(exc) from exc
        errors = explained(request, exc, anchor="question-status", order=("comment",))
        return await _question_page(
            request,
            runtime,
            question_id,
            int(exc.kind),
            form="review",
            errors=errors,
            values=values,
        )
    return Redirect(f"/bench/staff/questions/{question_id}?done=returned#done", status_code=303)


route_handlers = [
    approve_form,
    return_form,
    queue_page,
    question_page,
    answer_form,
    moderation_form,
    assignment_form,
    answered_live_form,
]
