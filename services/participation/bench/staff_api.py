"""HTTP API of the Dialogue Bench for the coordinator and responders: queue, moderation,
routing, live answers, written answers, templates and the e-mail moderation queue."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter

from services.participation.bench import domain, intake, service, store
from services.participation.bench import store_mail as sm
from services.participation.bench import store_questions as sq
from services.participation.bench.schemas import (
    Answered,
    AnsweredLiveIn,
    AnswerIn,
    AssignmentIn,
    DuplicateView,
    EnteredQuestionIn,
    FollowupView,
    InboundResolutionIn,
    InboundView,
    ModerationIn,
    QuestionDetail,
    QuestionIn,
    QuestionSummary,
    StaffAnswerView,
    StateView,
    Template,
    TemplateIn,
)
from shared import idempotency
from shared.auth import Principal, current_user, requires
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Conflict, Page, Paging, field_error, paging
from shared.runtime import Runtime

SCHEMA = service.SCHEMA
TAGS = ["bench staff"]
STAFF = requires("coordinator", "responder")
COORDINATOR = requires("coordinator")


def _may_see(user: Principal, question: Any) -> None:
    if not user.has("coordinator") and question["assigned_to"] != user.subject:
        raise PermissionDeniedException("this question is not assigned to you")


async def _question(conn: Any, question_id: uuid.UUID, *, lock: bool = False) -> Any:
    row = await sq.question(conn, question_id, lock=lock)
    if row is None:
        raise NotFoundException(f"no question {question_id}")
    return row


def _state(row: Any, **changes: Any) -> StateView:
    merged = {**dict(row), **changes}
    return StateView(
        id=merged["id"],
        status=merged["status"],
        merged_into=merged["merged_into"],
        assigned_to=merged["assigned_to"],
        department=merged["department"],
        answered_live_at=merged["answered_live_at"],
    )


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
        pattern="^(received|accepted|assigned|answered|rejected|merged)$",
    ),
    topic: str | None = Parameter(query="topic", default=None, max_length=40),
    language: str | None = Parameter(query="language", default=None, max_length=5),
    channel: str | None = Parameter(
        query="channel", default=None, pattern="^(web|email|live|paper)$"
    ),
    assigned_to: str | None = Parameter(
        query="assigned_to", default=None, max_length=200, description="a subject, or `me`"
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
    }
    async with runtime.pool(SCHEMA).acquire() as conn:
        if await store.edition(conn, edition_id) is None:
            raise NotFoundException(f"no edition {edition_id}")
        rows, total = await sq.list_questions(conn, edition_id, filters, page.limit, page.offset)
    return Page(items=[msgspec.convert(dict(r), QuestionSummary) for r in rows], total=total)


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
    if data.email and not data.consent:
        raise field_error("consent", "must be true when an e-mail address is given", 422)
    user = current_user(request)
    body = await request.body()
    effects = service.Effects()
    question = QuestionIn(
        text=data.text,
        topic=data.topic,
        language=data.language,
        consent=data.consent,
        email=data.email,
        name=data.name,
        group=data.group,
    )
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, f"bench.enter:{edition_id}")
        if replay:
            return idempotency.replay_response(replay)
        created = await service.receive_question(
            conn,
            runtime,
            edition_id,
            question,
            channel=data.channel,
            effects=effects,
            entered_by=user.subject,
        )
        if data.answered_live_at:
            await sq.mark_answered_live(conn, created.id, data.answered_live_at)
            effects.emit(
                ev.BenchQuestionAnsweredLive(
                    question_id=created.id, answered_at=data.answered_live_at
                )
            )
        await idempotency.remember(conn, f"bench.enter:{edition_id}", key, 201, created)
        await effects.commit(conn)
    await effects.after_commit(runtime)
    return Response(created, status_code=201)


@get("/api/bench/questions/{question_id:uuid}/detail", guards=[STAFF], tags=TAGS)
async def question_detail(
    request: Request[Any, Any, Any], question_id: uuid.UUID, runtime: Runtime
) -> QuestionDetail:
    """Everything staff need to handle a question: text, likely duplicates, follow-ups, answers."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        q = await _question(conn, question_id)
        _may_see(current_user(request), q)
        duplicates = await sq.duplicates_of(conn, question_id)
        followups = await sq.followups_of(conn, question_id)
        answers = await sq.answers_of(conn, question_id)
    return QuestionDetail(
        id=q["id"],
        edition_id=q["edition_id"],
        reference=q["reference"],
        status=q["status"],
        channel=q["channel"],
        topic=q["topic"],
        language=q["language"],
        group=q["grp"],
        text=q["text"],
        asker_name=q["asker_name"],
        has_email=q["asker_email"] is not None,
        received_at=q["received_at"],
        due_at=q["due_at"],
        overdue=domain.is_overdue(q["status"], q["due_at"], utcnow()),
        assigned_to=q["assigned_to"],
        department=q["department"],
        merged_into=q["merged_into"],
        reject_reason=q["reject_reason"],
        answered_live_at=q["answered_live_at"],
        likely_duplicates=[msgspec.convert(dict(d), DuplicateView) for d in duplicates],
        followups=[FollowupView(text=f["text"], received_at=f["received_at"]) for f in followups],
        answers=[
            StaffAnswerView(
                text=a["text"],
                language=a["language"],
                answered_by=a["answered_by"],
                answered_at=a["answered_at"],
                delivered_at=a["delivered_at"],
                delivered_via=a["delivered_via"],
            )
            for a in answers
        ],
    )


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
    if data.decision == "rejected" and not data.reason:
        raise field_error("reason", "say why the question is rejected", 422)
    if data.decision == "merged" and data.merged_into is None:
        raise field_error("merged_into", "name the question this one duplicates", 422)
    user = current_user(request)
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        q = await _question(conn, question_id, lock=True)
        refusal = domain.moderation_refusal(q["status"], data.decision)
        if refusal:
            raise Conflict(refusal)
        target = None
        if data.decision == "merged":
            assert data.merged_into is not None
            target = await sq.question(conn, data.merged_into, lock=True)
            if target is None or target["edition_id"] != q["edition_id"]:
                raise field_error("merged_into", "no such question in this edition", 422)
            merge_refusal = domain.merge_refusal(
                q["id"], target["id"], target["status"], target["merged_into"]
            )
            if merge_refusal:
                raise Conflict(merge_refusal)
        status = {"accepted": "accepted", "rejected": "rejected", "merged": "merged"}[data.decision]
        await sq.moderate(
            conn,
            question_id,
            status=status,
            by=user.subject,
            reason=data.reason,
            merged_into=data.merged_into,
            topic=data.topic,
            language=data.language,
        )
        effects = service.Effects()
        now = utcnow()
        effects.emit(
            ev.BenchQuestionModerated(
                question_id=question_id,
                decision=data.decision,
                moderated_at=now,
                reason_code=data.reason_code or ("other" if data.decision == "rejected" else None),
                merged_into=data.merged_into,
            )
        )
        if target is not None and target["status"] == "answered":
            # Merged into a question answered already: its asker gets that answer now.
            last = (await sq.answers_of(conn, target["id"]))[-1]
            fresh = await _question(conn, question_id, lock=True)
            await service.answer_one(
                conn,
                runtime,
                fresh,
                text=last["text"],
                language=last["language"],
                by=last["answered_by"],
                at=now,
                effects=effects,
            )
        await effects.commit(conn)
    await effects.after_commit(runtime)
    async with runtime.pool(SCHEMA).acquire() as conn:
        return _state(await _question(conn, question_id))


@post(
    "/api/bench/questions/{question_id:uuid}/assignment",
    guards=[COORDINATOR],
    tags=TAGS,
    status_code=200,
)
async def assign(question_id: uuid.UUID, data: AssignmentIn, runtime: Runtime) -> StateView:
    """Route the question to a department's responder (by their account subject)."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        q = await _question(conn, question_id, lock=True)
        if q["status"] in domain.FINAL_STATUSES:
            raise Conflict(f"the question is {q['status']}")
        now = utcnow()
        await sq.assign(
            conn,
            question_id,
            responder=data.responder,
            department=data.department.strip(),
            responder_email=data.responder_email,
            at=now,
        )
        effects = service.Effects()
        effects.emit(
            ev.BenchQuestionAssigned(
                question_id=question_id,
                responder=data.responder,
                department=data.department.strip(),
                assigned_at=now,
            )
        )
        await effects.commit(conn)
    return _state(
        q, status="assigned", assigned_to=data.responder, department=data.department.strip()
    )


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
    at = data.answered_at or utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        q = await _question(conn, question_id, lock=True)
        if q["answered_live_at"] is not None:
            raise Conflict("the question was already marked as answered live")
        if q["status"] in ("rejected", "merged"):
            raise Conflict(f"the question is {q['status']}")
        await sq.mark_answered_live(conn, question_id, at)
        effects = service.Effects()
        effects.emit(ev.BenchQuestionAnsweredLive(question_id=question_id, answered_at=at))
        await effects.commit(conn)
    return _state(q, answered_live_at=at)


@post("/api/bench/questions/{question_id:uuid}/answer", guards=[STAFF], tags=TAGS, status_code=200)
async def answer(
    request: Request[Any, Any, Any], question_id: uuid.UUID, data: AnswerIn, runtime: Runtime
) -> Answered:
    """The written answer, in the asker's language or Polish; it answers every question merged
    into this one too, and each asker with an address gets it by e-mail."""
    user = current_user(request)
    effects = service.Effects()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        q = await _question(conn, question_id, lock=True)
        _may_see(user, q)
        answered = await service.answer_question(
            conn,
            runtime,
            q,
            text=data.text.strip(),
            language=data.language,
            by=user.subject,
            effects=effects,
        )
        await effects.commit(conn)
    await effects.after_commit(runtime)
    return Answered(status="answered", questions=answered)


@post("/api/bench/answer-templates", guards=[COORDINATOR], tags=TAGS, status_code=201)
async def create_template(
    request: Request[Any, Any, Any], data: TemplateIn, runtime: Runtime
) -> Template:
    """A reusable answer (e.g. where to get a PESEL number), per language and optionally topic."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sq.insert_template(
            conn,
            title=data.title.strip(),
            topic=data.topic,
            language=data.language,
            text=data.text.strip(),
            created_by=current_user(request).subject,
        )
    return msgspec.convert(dict(row), Template, from_attributes=False, strict=False)


@get("/api/bench/answer-templates", guards=[STAFF], tags=TAGS)
async def list_templates(
    runtime: Runtime,
    topic: str | None = Parameter(query="topic", default=None, max_length=40),
    language: str | None = Parameter(query="language", default=None, max_length=5),
) -> list[Template]:
    """Answer templates, for a topic (and the general ones) and language."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sq.list_templates(conn, topic, language)
    return [msgspec.convert(dict(r), Template, strict=False) for r in rows]


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
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await sm.list_inbound(conn, status, page.limit, page.offset)
    return Page(items=[msgspec.convert(dict(r), InboundView) for r in rows], total=total)


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
    return await intake.resolve(runtime, inbound_id, data, by=current_user(request).subject)


route_handlers = [
    list_questions,
    enter_question,
    question_detail,
    moderate,
    assign,
    answered_live,
    answer,
    create_template,
    list_templates,
    list_inbound,
    resolve_inbound,
]
