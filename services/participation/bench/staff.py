"""What the coordinator and responders do with editions and questions, whichever door they use.

The APIs (`api.py`, `staff_api.py`) and the staff pages (`staff_pages.py`, `session_pages.py`)
call these, so a rule (who may see a question, what a moderation may do, when an answer or an
edition's state change is refused) is written once. Each opens its own transaction (but
`create_edition` and `enter_question`, which run in the caller's, next to its idempotency key or
form nonce) and
raises the HTTP errors the API answers with: 403 for another responder's question, 404, 409 for
a state that forbids it, 422 naming a field.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException

from services.participation.bench import domain, service, store
from services.participation.bench import store_questions as sq
from services.participation.bench.schemas import (
    Answered,
    AnsweredLiveIn,
    AnswerIn,
    AssignmentIn,
    DuplicateView,
    EditionIn,
    EnteredQuestionIn,
    FollowupView,
    HistoryEntry,
    ModerationIn,
    QuestionCreated,
    QuestionDetail,
    QuestionIn,
    QuestionSummary,
    StaffAnswerView,
    StateView,
)
from shared.auth import Principal
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.http import Conflict, field_error
from shared.runtime import Runtime

SCHEMA = service.SCHEMA


def may_see(user: Principal, assigned_to: str | None) -> bool:
    """The coordinator sees every question; a responder the questions assigned to them."""
    return user.has("coordinator") or (assigned_to is not None and assigned_to == user.subject)


def _check_may_see(user: Principal, question: Any) -> None:
    if not may_see(user, question["assigned_to"]):
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


async def question_by_reference(runtime: Runtime, reference: str) -> uuid.UUID | None:
    """The id of the question a human reference (LD-...) names, if any."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.question_by_reference(conn, reference.strip().upper())
    return row["id"] if row else None


async def question_reference(conn: Any, question_id: uuid.UUID | None) -> str | None:
    """The human reference of a question, if any."""
    if question_id is None:
        return None
    row = await sq.question(conn, question_id)
    return row["reference"] if row else None


async def create_edition(conn: Any, data: EditionIn, *, effects: service.Effects) -> Any:
    """A new edition, open for questions until `submissions_close_at`: its row. Runs in the
    caller's transaction (next to the API's idempotency key); the caller commits `effects`
    (bench.edition_created, bench.edition_submissions_opened)."""
    # The schema counts spaces too: what is stored (trimmed) must still say something.
    for name, least in (("title", 3), ("venue", 2), ("audience", 2)):
        if len(getattr(data, name).strip()) < least:
            raise field_error(name, f"write at least {least} characters (not only spaces)", 422)
    year = data.held_on.year
    row = await store.insert_edition(
        conn,
        id=uuid.uuid4(),
        year=year,
        number=await store.next_edition_number(conn, year),
        title=data.title.strip(),
        held_on=data.held_on,
        venue=data.venue.strip(),
        audience=data.audience.strip(),
        submissions_close_at=data.submissions_close_at,
        answer_due_days=data.answer_due_days,
        coordinator_email=data.coordinator_email,
    )
    effects.emit(
        ev.BenchEditionCreated(
            edition_id=row["id"],
            held_on=row["held_on"],
            submissions_close_at=row["submissions_close_at"],
            answer_due_days=row["answer_due_days"],
        )
    )
    effects.emit(
        ev.BenchEditionSubmissionsOpened(edition_id=row["id"], opened_at=row["created_at"])
    )
    return row


async def change_edition(runtime: Runtime, edition_id: uuid.UUID, target: str) -> Any:
    """Open or close an edition's submissions, or record it held (`target`: open, closed,
    held); the updated edition row. 404 without it, 409 when the change is not allowed now."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await store.edition_for_update(conn, edition_id)
        if row is None:
            raise NotFoundException(f"no edition {edition_id}")
        now = utcnow()
        refusal = domain.edition_change_refusal(
            row["status"], target, row["submissions_close_at"], row["held_on"], now
        )
        if refusal:
            raise Conflict(refusal)
        updated = await store.set_edition_status(conn, edition_id, target)
        effects = service.Effects()
        if target == "open":
            effects.emit(ev.BenchEditionSubmissionsOpened(edition_id=edition_id, opened_at=now))
        else:
            if row["status"] == "open":
                effects.emit(ev.BenchEditionSubmissionsClosed(edition_id=edition_id, closed_at=now))
            if target == "held":
                effects.emit(
                    ev.BenchEditionHeld(
                        edition_id=edition_id, held_on=row["held_on"], recorded_at=now
                    )
                )
        await effects.commit(conn)
    return updated


async def enter_question(
    conn: Any,
    runtime: Runtime,
    edition_id: uuid.UUID,
    data: EnteredQuestionIn,
    *,
    by: str,
    effects: service.Effects,
) -> QuestionCreated:
    """A question asked in the room or on paper, typed in by staff (also after submissions
    closed). Runs in the caller's transaction, which keeps its idempotency key or form nonce
    with it; the caller commits `effects`. 422 naming `consent` when an address has none."""
    if data.email and not data.consent:
        raise field_error("consent", "must be true when an e-mail address is given", 422)
    question = QuestionIn(
        text=data.text,
        topic=data.topic,
        language=data.language,
        consent=data.consent,
        email=data.email,
        name=data.name,
        group=data.group,
    )
    created = await service.receive_question(
        conn, runtime, edition_id, question, channel=data.channel, effects=effects, entered_by=by
    )
    if data.answered_live_at:
        await sq.mark_answered_live(conn, created.id, data.answered_live_at)
        effects.emit(
            ev.BenchQuestionAnsweredLive(question_id=created.id, answered_at=data.answered_live_at)
        )
    return created


async def queue(
    runtime: Runtime,
    edition_id: uuid.UUID,
    filters: dict[str, str | None],
    limit: int,
    offset: int,
) -> tuple[list[QuestionSummary], int]:
    """An edition's questions, filtered; overdue first, then by due date."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        if await store.edition(conn, edition_id) is None:
            raise NotFoundException(f"no edition {edition_id}")
        rows, total = await sq.list_questions(conn, edition_id, filters, limit, offset)
    return [msgspec.convert(dict(r), QuestionSummary) for r in rows], total


async def question_detail(
    runtime: Runtime, user: Principal, question_id: uuid.UUID
) -> QuestionDetail:
    """Everything staff need to handle a question: text, duplicates, follow-ups, answers, history."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        q = await _question(conn, question_id)
        _check_may_see(user, q)
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
        followups=[
            FollowupView(text=f["text"], received_at=f["received_at"], sender=f["sender"])
            for f in followups
        ],
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
        history=[
            HistoryEntry(at=at, event=event, by=by, detail=detail)
            for at, event, by, detail in domain.question_history(q, followups, answers)
        ],
    )


async def moderate(
    runtime: Runtime, user: Principal, question_id: uuid.UUID, data: ModerationIn
) -> StateView:
    """Accept (optionally correcting topic or language), reject with a reason, or merge a
    duplicate into another question of the edition (its asker is answered with that one)."""
    if data.decision == "rejected" and not data.reason:
        raise field_error("reason", "say why the question is rejected", 422)
    if data.decision == "merged" and data.merged_into is None:
        raise field_error("merged_into", "name the question this one duplicates", 422)
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
        await sq.moderate(
            conn,
            question_id,
            status=data.decision,
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


async def assign(runtime: Runtime, question_id: uuid.UUID, data: AssignmentIn) -> StateView:
    """Route the question to a department's responder (by their account subject)."""
    department = data.department.strip()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        q = await _question(conn, question_id, lock=True)
        if q["status"] in domain.FINAL_STATUSES:
            raise Conflict(f"the question is {q['status']}")
        now = utcnow()
        await sq.assign(
            conn,
            question_id,
            responder=data.responder,
            department=department,
            responder_email=data.responder_email,
            at=now,
        )
        effects = service.Effects()
        effects.emit(
            ev.BenchQuestionAssigned(
                question_id=question_id,
                responder=data.responder,
                department=department,
                assigned_at=now,
            )
        )
        await effects.commit(conn)
    return _state(q, status="assigned", assigned_to=data.responder, department=department)


async def answered_live(
    runtime: Runtime, question_id: uuid.UUID, data: AnsweredLiveIn
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


async def answer(
    runtime: Runtime, user: Principal, question_id: uuid.UUID, data: AnswerIn
) -> Answered:
    """The written answer, in the asker's language or Polish; it answers every question merged
    into this one too, and each asker with an address gets it by e-mail."""
    effects = service.Effects()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        q = await _question(conn, question_id, lock=True)
        _check_may_see(user, q)
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
