"""What the Bench's pages and API read: an edition's queue of questions, one question with
everything staff need, who may see a question. Reads only; a missing or hidden object is
refused with `shared.refusals` (`bench.question_not_found`, `bench.not_assigned`...)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from services.participation.bench import domain, store
from services.participation.bench import store_departments as sd
from services.participation.bench import store_mail as sm
from services.participation.bench import store_questions as sq
from services.participation.bench.schemas import (
    DepartmentRef,
    DuplicateView,
    Edition,
    FollowupView,
    HistoryEntry,
    InboundView,
    QuestionDetail,
    QuestionSummary,
    ReviewView,
    StaffAnswerView,
    Template,
)
from shared import content
from shared.auth import Principal
from shared.events import utcnow
from shared.refusals import forbidden, not_found
from shared.runtime import Runtime

SCHEMA = "participation"


def may_see(user: Principal, assigned_to: str | None) -> bool:
    """The coordinator sees every question; a responder the questions assigned to them."""
    return user.has("coordinator") or (assigned_to is not None and assigned_to == user.subject)


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


async def queue(
    runtime: Runtime,
    edition_id: uuid.UUID,
    filters: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[list[QuestionSummary], int]:
    """An edition's questions, filtered; overdue first, then by due date."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        if await store.edition(conn, edition_id) is None:
            raise not_found("bench.edition_not_found", edition_id=edition_id)
        rows, total = await sq.list_questions(conn, edition_id, filters, limit, offset)
    return [msgspec.convert(dict(r), QuestionSummary) for r in rows], total


async def question_detail(
    runtime: Runtime, user: Principal, question_id: uuid.UUID
) -> QuestionDetail:
    """Everything staff need to handle a question: text, duplicates, follow-ups, answers, history."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        q = await sq.question(conn, question_id)
        if q is None:
            raise not_found("bench.question_not_found", question_id=question_id)
        if not may_see(user, q["assigned_to"]):
            raise forbidden("bench.not_assigned")
        duplicates = await sq.duplicates_of(conn, question_id)
        followups = await sq.followups_of(conn, question_id)
        answers = await sq.answers_of(conn, question_id)
        steps = await sd.steps_of(conn, question_id)
        reviews = await sd.reviews_of(conn, question_id)
        proposed = (
            await sd.for_topic(conn, q["topic"])
            if q["status"] in ("received", "accepted") and q["department_id"] is None
            else None
        )
    history = domain.question_history(q, followups, answers)
    history += [(s["sent_at"], f"escalation_{s['step']}", None, None) for s in steps]
    for r in reviews:
        history.append((r["written_at"], "answer_in_review", r["written_by"], r["language"]))
        if r["reviewed_at"] is not None:
            history.append(
                (r["reviewed_at"], f"review_{r['status']}", r["reviewed_by"], r["comment"])
            )
        if r["responder_mailed_at"] is not None:
            history.append((r["responder_mailed_at"], "review_returned_mailed", None, None))
    history.sort(key=lambda entry: entry[0])
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
            for at, event, by, detail in history
        ],
        department_id=q["department_id"],
        reviews=[msgspec.convert(dict(r), ReviewView) for r in reviews],
        proposed_department=(
            DepartmentRef(id=proposed["id"], name=proposed["name"]) if proposed else None
        ),
    )


def edition_view(row: Any) -> Edition:
    """An edition as the API shows it (and as a replayed creation answers)."""
    return Edition(
        id=row["id"],
        title=row["title"],
        held_on=row["held_on"],
        venue=row["venue"],
        audience=row["audience"],
        submissions_close_at=row["submissions_close_at"],
        answer_due_days=row["answer_due_days"],
        status=row["status"],
        number=row["number"],
        year=row["year"],
        title_i18n=content.versions(row["title_i18n"]),
        venue_i18n=content.versions(row["venue_i18n"]),
        audience_i18n=content.versions(row["audience_i18n"]),
    )


async def editions(runtime: Runtime, limit: int, offset: int) -> tuple[list[Edition], int]:
    """Every edition, newest first, a page of them, and how many there are."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await store.list_editions(conn, limit, offset)
    return [edition_view(r) for r in rows], total


async def edition(runtime: Runtime, edition_id: uuid.UUID) -> Edition:
    """One edition; refused `bench.edition_not_found` without it."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.edition(conn, edition_id)
    if row is None:
        raise not_found("bench.edition_not_found", edition_id=edition_id)
    return edition_view(row)


async def templates(runtime: Runtime, topic: str | None, language: str | None) -> list[Template]:
    """Answer templates, for a topic (and the general ones) and language."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sq.list_templates(conn, topic, language)
    return [msgspec.convert(dict(r), Template, strict=False) for r in rows]


async def inbound_mail(
    runtime: Runtime, status: str | None, limit: int, offset: int
) -> tuple[list[InboundView], int]:
    """Mail that reached the intake in `status`, a page of it, and how much there is."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows, total = await sm.list_inbound(conn, status, limit, offset)
    return [msgspec.convert(dict(r), InboundView) for r in rows], total
