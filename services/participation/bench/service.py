"""What happens to a question, whatever the door it came in by (API, page, e-mail, staff).

Each operation runs inside the caller's transaction and returns its Effects: the events to add
to the outbox as the transaction's last statement, and the mails and deliveries to hand to the
job queue after commit (`Effects.commit` and `Effects.after_commit`).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from litestar.exceptions import NotFoundException

from services.participation.bench import domain, mails, store
from services.participation.bench import store_questions as sq
from services.participation.bench.schemas import QuestionCreated, QuestionIn
from shared import mail, outbox
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.http import Conflict, field_error
from shared.logs import correlation_id
from shared.runtime import Runtime

SCHEMA = "participation"
PRODUCER = "participation"


@dataclass
class Effects:
    events: list[Any] = field(default_factory=list)
    mail_ids: list[uuid.UUID] = field(default_factory=list)
    answer_ids: list[uuid.UUID] = field(default_factory=list)
    duplicate_checks: set[uuid.UUID] = field(default_factory=set)  # editions with new questions

    def emit(self, payload: Any) -> None:
        self.events.append(
            new_event(payload, producer=PRODUCER, correlation_id=correlation_id.get())
        )

    async def commit(self, conn: asyncpg.Connection) -> None:
        """Add the events to the outbox: call as the transaction's last statement."""
        if self.events:
            await outbox.add(conn, *self.events)

    async def after_commit(self, runtime: Runtime) -> None:
        """Queue the sending jobs (a lost job only delays: the sweepers re-enqueue)."""
        for mail_id in self.mail_ids:
            await runtime.send_mail_soon(SCHEMA, mail_id)
        if runtime.jobs is not None:
            for answer_id in self.answer_ids:
                await runtime.jobs.enqueue(
                    "bench_deliver_answer", str(answer_id), job_id=f"bench-answer:{answer_id}"
                )
        for edition_id in self.duplicate_checks:
            await schedule_duplicate_check(runtime, edition_id)


DUPLICATE_WINDOW = 2.0  # seconds: one duplicate-suggestion job per edition per window
_duplicate_window_of: dict[uuid.UUID, int] = {}


async def schedule_duplicate_check(runtime: Runtime, edition_id: uuid.UUID) -> None:
    """Queue one batch job per edition per window (this process asks Redis once per window).

    The job runs at the end of the window and takes every question of the edition not looked at
    yet, so a live session's burst costs a job every two seconds, not one per question. A job
    lost with Redis is made up for by the bench_sweep_duplicate_checks cron.
    """
    if runtime.jobs is None:
        return
    window = int(time.time() // DUPLICATE_WINDOW)
    if _duplicate_window_of.get(edition_id) == window:
        return
    if len(_duplicate_window_of) > 10_000:
        _duplicate_window_of.clear()
    _duplicate_window_of[edition_id] = window
    await runtime.jobs.enqueue(
        "bench_suggest_duplicates",
        str(edition_id),
        job_id=f"bench-dup:{edition_id}:{window}",
        defer_by=DUPLICATE_WINDOW,
    )


async def receive_question(
    conn: asyncpg.Connection,
    runtime: Runtime,
    edition_id: uuid.UUID,
    data: QuestionIn,
    *,
    channel: str,
    effects: Effects,
    entered_by: str | None = None,
    thread: tuple[str | None, str | None] = (None, None),
) -> QuestionCreated:
    """Store a question of any channel, suggest duplicates, acknowledge it when an address is known.

    `thread` is (the asker's Message-ID, their subject) for questions that came by e-mail, so the
    acknowledgement continues their thread.
    """
    # A plain read, not FOR UPDATE: locking the edition would serialise every question of a
    # live session. A question racing a "close submissions" by milliseconds is still accepted.
    edition = await store.edition(conn, edition_id)
    if edition is None:
        raise NotFoundException(f"no edition {edition_id}")
    now = utcnow()
    reason = domain.edition_accepts_questions(
        edition["status"], edition["submissions_close_at"], now
    )
    # Staff enter questions asked in the room or on paper after submissions closed, too.
    if reason and channel in ("web", "email"):
        raise Conflict(f"this edition takes no more questions: {reason}")
    seq = await store.next_question_seq(conn, edition_id)
    token = domain.new_tracking_token()
    question_id = uuid.uuid4()
    due = domain.due_at(now, edition["answer_due_days"])
    reference = domain.format_reference(edition["year"], edition["number"], seq)
    group = data.group or "undisclosed"
    text = data.text.strip()
    email = data.email.strip().lower() if data.email else None
    await store.insert_question(
        conn,
        id=question_id,
        edition_id=edition_id,
        reference=reference,
        seq=seq,
        token_hash=domain.hash_token(token),
        channel=channel,
        topic=data.topic,
        language=data.language,
        group=group,
        text=text,
        name=(data.name or "").strip() or None,
        email=email,
        consent=data.consent or channel == "email",
        received_at=now,
        due_at=due,
        entered_by=entered_by,
    )
    # Likely duplicates are for moderators, not the asker: a job looks for them after commit,
    # which keeps the text comparison off the busy intake path.
    effects.duplicate_checks.add(edition_id)
    if email:
        their_id, _subject = thread
        await sq.add_thread_message(conn, their_id, question_id, "in")
        ack = mails.acknowledgement(
            runtime.settings,
            to=email,
            language=data.language,
            reference=reference,
            token=token,
            due_at=due,
            edition_title=edition["title"],
            in_reply_to=their_id,
            references=[their_id] if their_id else None,
        )
        effects.mail_ids.append(await mail.queue(conn, ack, purpose="bench.acknowledgement"))
        await sq.add_thread_message(conn, str(ack["Message-ID"]), question_id, "out")
    effects.emit(
        ev.BenchQuestionReceived(
            question_id=question_id,
            edition_id=edition_id,
            channel=channel,
            topic=data.topic,  # type: ignore[arg-type]
            language=data.language,
            group=group,
            received_at=now,
            due_at=due,
            has_email=bool(email),  # type: ignore[arg-type]
        )
    )
    return QuestionCreated(
        id=question_id, reference=reference, status="received", tracking_token=token, due_at=due
    )


async def answer_question(
    conn: asyncpg.Connection,
    runtime: Runtime,
    question: asyncpg.Record,
    *,
    text: str,
    language: str,
    by: str,
    effects: Effects,
) -> list[uuid.UUID]:
    """Answer a question and every question merged into it; each asker is told. Returns their ids."""
    refusal = domain.answer_refusal(question["status"])
    if refusal:
        raise Conflict(refusal)
    language_refusal = domain.answer_language_refusal(question["language"], language)
    if language_refusal:
        raise field_error("language", language_refusal, 422)
    now = utcnow()
    answered = []
    for target in [question, *await sq.merged_into(conn, question["id"])]:
        await answer_one(
            conn, runtime, target, text=text, language=language, by=by, at=now, effects=effects
        )
        answered.append(target["id"])
    return answered


async def answer_one(
    conn: asyncpg.Connection,
    runtime: Runtime,
    target: asyncpg.Record,
    *,
    text: str,
    language: str,
    by: str,
    at: Any,
    effects: Effects,
) -> None:
    """Record one written answer, queue its mail to the asker (in their thread), emit the event."""
    mail_id = None
    if target["asker_email"]:
        thread = await sq.thread_of(conn, target["id"])
        message = mails.answer(
            runtime.settings,
            to=target["asker_email"],
            language=target["language"],
            reference=target["reference"],
            answer_text=text,
            answer_language=language,
            answered_live_at=target["answered_live_at"],
            in_reply_to=thread[-1] if thread else None,
            references=thread or None,
        )
        mail_id = await mail.queue(conn, message, purpose="bench.answer")
        await sq.add_thread_message(conn, str(message["Message-ID"]), target["id"], "out")
    answer_id = await sq.insert_answer(
        conn, question_id=target["id"], text=text, language=language, by=by, at=at, mail_id=mail_id
    )
    if mail_id:
        effects.answer_ids.append(answer_id)
    effects.emit(
        ev.BenchQuestionAnswered(
            question_id=target["id"],
            edition_id=target["edition_id"],
            language=language,  # type: ignore[arg-type]
            received_at=target["received_at"],
            answered_at=at,
        )
    )


async def record_delivery(runtime: Runtime, answer_id: uuid.UUID, via: str) -> bool:
    """Record once that an answer reached its asker, with its event; False when already recorded."""
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        row = await sq.mark_delivered(conn, answer_id, via)
        if row is None:
            return False
        effects = Effects()
        effects.emit(
            ev.BenchAnswerDelivered(
                question_id=row["question_id"], delivered_at=row["delivered_at"]
            )
        )
        await effects.commit(conn)
    return True


async def check_duplicates_of_edition(conn: asyncpg.Connection, edition_id: uuid.UUID) -> int:
    """Suggest likely duplicates for the edition's questions not looked at yet, a batch at a
    time (each in its own transaction; SKIP LOCKED lets two workers share the work). Each is
    compared with the edition's 300 most recent other questions, read once per batch. Returns
    how many questions were looked at; safe to run again."""
    done = 0
    while True:
        async with conn.transaction():
            batch = await sq.unchecked_questions(conn, edition_id, limit=200)
            if not batch:
                return done
            recent = await sq.duplicate_candidates(conn, edition_id, limit=300 + len(batch))
            found: list[tuple[uuid.UUID, Any, float]] = []
            for question_id, text, topic in batch:
                others = [c for c in recent if c[0] != question_id][:300]
                for candidate_id, score in domain.likely_duplicates(text, topic, others):
                    found.append((question_id, candidate_id, score))
            await sq.save_duplicates(conn, found)
            await sq.mark_duplicates_checked(conn, [q[0] for q in batch])
        done += len(batch)
