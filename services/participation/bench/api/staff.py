"""HTTP API of the Dialogue Bench for the coordinator and responders: queue, moderation,
routing, live answers, written answers, templates and the e-mail moderation queue."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import Parameter

from services.participation.bench import queries
from services.participation.bench.commands import departments, staff
from services.participation.bench.commands import mail as inbound
from services.participation.bench.schemas import (
    Answered,
    AnsweredLiveIn,
    AnswerIn,
    AssignmentIn,
    Department,
    DepartmentIn,
    EnteredQuestionIn,
    InboundResolutionIn,
    InboundView,
    ModerationIn,
    QuestionDetail,
    QuestionSummary,
    ReturnIn,
    StateView,
    Template,
    TemplateIn,
)
from shared import idempotency
from shared.auth import Principal, current_user, requires
from shared.http import Page, Paging, paging
from shared.runtime import Runtime

TAGS = ["bench staff"]
STAFF = requires("coordinator", "responder")
COORDINATOR = requires("coordinator")


def _user(request: Request[Any, Any, Any]) -> Principal:
    user = current_user(request)
    assert user is not None  # the route's guard admitted a signed-in caller
    return user


@get(
    "/api/bench/editions/{edition_id:uuid}/questions",
    guards=[STAFF],
    tags=TAGS,
    dependencies={"page": paging},  # type: ignore[dict-item]
)
async def list_questions(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    runtime: Runtime,
    page: Paging,
    status: str | None = Parameter(
        query="status",
        default=None,
        pattern="^(received|accepted|assigned|answer_in_review|answered|rejected|merged)$",
    ),
    topic: str | None = Parameter(query="topic", default=None, max_length=40),
    language: str | None = Parameter(query="language", default=None, max_length=5),
    channel: str | None = Parameter(
        query="channel", default=None, pattern="^(web|email|live|paper)$"
    ),
    assigned_to: str | None = Parameter(
        query="assigned_to", default=None, max_length=200, description="a subject, or `me`"
    ),
    department_id: uuid.UUID | None = Parameter(
        query="department_id", default=None, description="a department of the registry"
    ),
) -> Page[QuestionSummary]:
    """The edition's queue: overdue first, then by due date. `?assigned_to=me` for one's own."""
    user = current_user(request)
    if assigned_to == "me":
        assigned_to = user.subject
    filters = {
        "status": status,
        "topic": topic,
        "language": language,
        "channel": channel,
        "assigned_to": assigned_to,
        "department_id": department_id,
    }
    items, total = await queries.queue(runtime, edition_id, filters, page.limit, page.offset)
    return Page(items=items, total=total)


@post(
    "/api/bench/editions/{edition_id:uuid}/entered-questions",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=201,
)
async def enter_question(
    request: Request[Any, Any, Any],
    edition_id: uuid.UUID,
    data: EnteredQuestionIn,
    runtime: Runtime,
) -> Response[Any]:
    """A question asked in the room (`live`) or on paper, typed in by staff; the reference and
    tracking code go to the asker on a slip (and by e-mail when an address is known)."""
    user = current_user(request)
    requested = idempotency.requested(request, await request.body(), f"bench.enter:{edition_id}")
    created = await staff.enter_question(
        runtime, edition_id, data, by=user.subject, requested=requested
    )
    if isinstance(created, idempotency.Replay):
        return idempotency.replay_response(created)
    return Response(created, status_code=201)


@get("/api/bench/questions/{question_id:uuid}/detail", guards=[STAFF], tags=TAGS)
async def question_detail(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> QuestionDetail:
    """Everything staff need to handle a question: text, likely duplicates, follow-ups, answers,
    and its history."""
    return await queries.question_detail(runtime, _user(request), question_id)


@post(
    "/api/bench/questions/{question_id:uuid}/moderation",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def moderate(
    request: Request[Any, Any, Any], question_id: uuid.UUID, data: ModerationIn, runtime: Runtime
) -> StateView:
    """Accept (optionally correcting topic or language), reject with a reason, or merge a
    duplicate into another question of the edition (its asker is answered with that one)."""
    return await staff.moderate(runtime, _user(request), question_id, data)


@post(
    "/api/bench/questions/{question_id:uuid}/assignment",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def assign(question_id: uuid.UUID, data: AssignmentIn, runtime: Runtime) -> StateView:
    """Route the question to a department's responder (by their account subject)."""
    return await staff.assign(runtime, question_id, data)


@post(
    "/api/bench/questions/{question_id:uuid}/answered-live",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def answered_live(
    question_id: uuid.UUID, data: AnsweredLiveIn, runtime: Runtime
) -> StateView:
    """The Mayor answered it on stage; the asker still gets a written answer."""
    return await staff.answered_live(runtime, question_id, data)


@post("/api/bench/questions/{question_id:uuid}/answer", guards=[STAFF], tags=TAGS, status_code=200)
async def answer(
    request: Request[Any, Any, Any], question_id: uuid.UUID, data: AnswerIn, runtime: Runtime
) -> Answered:
    """The written answer, in the asker's language or Polish; it answers every question merged
    into this one too, and each asker with an address gets it by e-mail."""
    return await staff.answer(runtime, _user(request), question_id, data)


@post(
    "/api/bench/questions/{question_id:uuid}/review/approve",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def approve_answer(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> Answered:
    """Approve the answer waiting for review (`answer_in_review`): it is sent to the asker as
    any answer. 409 `bench.no_answer_in_review` when none waits."""
    return await staff.approve_answer(runtime, _user(request), question_id)


@post(
    "/api/bench/questions/{question_id:uuid}/review/return",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def return_answer(
    request: Request[Any, Any, Any], question_id: uuid.UUID, data: ReturnIn, runtime: Runtime
) -> StateView:
    """Return the answer waiting for review to its responder with a `comment` (3-2000
    characters); the question is `assigned` again. 409 `bench.no_answer_in_review`."""
    return await staff.return_answer(runtime, _user(request), question_id, data.comment)


@post("/api/bench/answer-templates", guards=[COORDINATOR], tags=TAGS, status_code=201)
async def create_template(
    request: Request[Any, Any, Any], data: TemplateIn, runtime: Runtime
) -> Template:
    """A reusable answer (e.g. where to get a PESEL number), per language and optionally topic."""
    return await staff.create_template(runtime, data, by=current_user(request).subject)


@get("/api/bench/answer-templates", guards=[STAFF], tags=TAGS)
async def list_templates(
    runtime: Runtime,
    topic: str | None = Parameter(query="topic", default=None, max_length=40),
    language: str | None = Parameter(query="language", default=None, max_length=5),
) -> list[Template]:
    """Answer templates, for a topic (and the general ones) and language."""
    return await queries.templates(runtime, topic, language)


@get("/api/bench/inbound-mail", guards=[COORDINATOR], tags=TAGS, dependencies={"page": paging})  # type: ignore[dict-item]
async def list_inbound(
    runtime: Runtime,
    page: Paging,
    status: str | None = Parameter(
        query="status",
        default="moderation",
        pattern="^(received|question|reply|moderation|resolved|discarded)$",
    ),
) -> Page[InboundView]:
    """Mail that reached the intake; by default what waits for moderation."""
    items, total = await queries.inbound_mail(runtime, status, page.limit, page.offset)
    return Page(items=items, total=total)


@post(
    "/api/bench/inbound-mail/{inbound_id:uuid}/resolution",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def resolve_inbound(
    request: Request[Any, Any, Any],
    inbound_id: uuid.UUID,
    data: InboundResolutionIn,
    runtime: Runtime,
) -> InboundView:
    """Make a held message a question (text, topic, language as the coordinator reads them) or
    discard it with a reason."""
    return await inbound.resolve(runtime, inbound_id, data, by=current_user(request).subject)


@get("/api/bench/departments", guards=[COORDINATOR], tags=TAGS)
async def list_departments(runtime: Runtime) -> list[Department]:
    """The city's departments: name (pl, en, uk), addresses, topics, responders, settings."""
    return await departments.list_all(runtime)


@post("/api/bench/departments", guards=[COORDINATOR], tags=TAGS, status_code=201)
async def create_department(
    request: Request[Any, Any, Any], data: DepartmentIn, runtime: Runtime
) -> Department:
    """A department: `name` (`pl` required, `en`, `uk`), `email`, `head_email`, `topics` it
    takes by default, `responders` (ids of the responders' registry), `reminder_days` (the
    responder is reminded that many days before the due date) and `review_required`."""
    return await departments.create(runtime, data, by=_user(request).subject)


route_handlers = [
    list_departments,
    create_department,
    list_questions,
    enter_question,
    question_detail,
    moderate,
    assign,
    answered_live,
    answer,
    approve_answer,
    return_answer,
    create_template,
    list_templates,
    list_inbound,
    resolve_inbound,
]
