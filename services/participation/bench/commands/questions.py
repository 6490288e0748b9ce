"""What happens to a question, whatever the door it came in by (API, page, e-mail, staff).

`receive_question`, `answer_question` and `answer_one` work inside a unit of work someone opened
(`ask`, `ask_by_form`, the staff commands, the e-mail intake): their events, mails and jobs go
with that transaction.
"""

from __future__ import annotations

import itertools
import secrets
import time
import uuid
from typing import Any

import asyncpg

from services.participation.bench import domain, mails, store, store_archive
from services.participation.bench import store_questions as sq
from services.participation.bench.commands import SCHEMA, unit_of_work
from services.participation.bench.schemas import (
    AnswerView,
    QuestionCreated,
    QuestionIn,
    QuestionStatus,
)
from shared import idempotency
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.privacy import ERASED
from shared.refusals import Reasons, Status, conflict, invalid, not_found
from shared.runtime import Runtime
from shared.unit_of_work import UnitOfWork

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
    uow: UnitOfWork,
    edition_id: uuid.UUID,
    data: QuestionIn,
    *,
    channel: str,
    entered_by: str | None = None,
    thread: tuple[str | None, str | None] = (None, None),
) -> QuestionCreated:
    """Store a question of any channel, suggest duplicates, acknowledge it when an address is known.

    `thread` is (the asker's Message-ID, their subject) for questions that came by e-mail, so the
    acknowledgement continues their thread. Refused: `bench.edition_not_found` (404),
    `bench.edition_closed` (409, web and e-mail questions only).
    """
    conn, runtime = uow.conn, uow.runtime
    # A plain read, not FOR UPDATE: locking the edition would serialise every question of a
    # live session. A question racing a "close submissions" by milliseconds is still accepted.
    edition = await store.edition_with_next_seq(conn, edition_id)
    if edition is None:
        raise not_found("bench.edition_not_found", edition_id=edition_id)
    now = utcnow()
    reason = domain.edition_accepts_questions(
        edition["status"], edition["submissions_close_at"], now
    )
    # Staff enter questions asked in the room or on paper after submissions closed, too.
    if reason and channel in ("web", "email"):
        raise conflict("bench.edition_closed", reason=reason)
    seq = edition["next_seq"]
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
        publish=getattr(data, "publish", False),
    )
    # Likely duplicates are for moderators, not the asker: a job looks for them after commit,
    # which keeps the text comparison off the busy intake path.
    uow.after_commit(lambda: schedule_duplicate_check(runtime, edition_id))
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
            publish=getattr(data, "publish", False),
            edition_title_i18n=edition["title_i18n"],
            in_reply_to=their_id,
            references=[their_id] if their_id else None,
        )
        await uow.queue_mail(ack, purpose="bench.acknowledgement")
        await sq.add_thread_message(conn, str(ack["Message-ID"]), question_id, "out")
    uow.emit(
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
    uow: UnitOfWork,
    question: asyncpg.Record,
    *,
    text: str,
    language: str,
    by: str,
) -> list[uuid.UUID]:
    """Answer a question and every question merged into it; each asker is told. Returns their ids.
    Refused: `bench.answer_refused` (409), `bench.answer_language` (422, `language`)."""
    refusal = domain.answer_refusal(question["status"])
    if refusal:
        raise conflict("bench.answer_refused", reason=Reasons((refusal,)))
    if domain.answer_language_refusal(question["language"], language):
        raise invalid("language", "bench.answer_language", language=Status(question["language"]))
    now = utcnow()
    answered = []
    for target in [question, *await sq.merged_into(uow.conn, question["id"])]:
        await answer_one(uow, target, text=text, language=language, by=by, at=now)
        answered.append(target["id"])
    return answered


async def answer_one(
    uow: UnitOfWork,
    target: asyncpg.Record,
    *,
    text: str,
    language: str,
    by: str,
    at: Any,
) -> None:
    """Record one written answer, queue its mail to the asker (in their thread), emit the event;
    after commit a job sends the mail and records its delivery (`bench_deliver_answer`)."""
    conn, runtime = uow.conn, uow.runtime
    mail_id = None
    if target["asker_email"]:
        thread = await sq.thread_of(conn, target["id"])
        feedback_token = None
        if target["feedback_token_hash"] is None:
            # The asker's verdict (issue 16 part 5): one token per question, asked once.
            feedback_token = secrets.token_urlsafe(24)
            await conn.execute(
                "update bench_questions set feedback_token_hash = $2 where id = $1",
                target["id"],
                domain.hash_token(feedback_token),
            )
        message = mails.answer(
            runtime.settings,
            to=target["asker_email"],
            language=target["language"],
            reference=target["reference"],
            answer_text=text,
            answer_language=language,
            answered_live_at=target["answered_live_at"],
            feedback_token=feedback_token,
            in_reply_to=thread[-1] if thread else None,
            references=thread or None,
        )
        mail_id = await uow.queue_mail(message, purpose="bench.answer")
        await sq.add_thread_message(conn, str(message["Message-ID"]), target["id"], "out")
    answer_id = await sq.insert_answer(
        conn, question_id=target["id"], text=text, language=language, by=by, at=at, mail_id=mail_id
    )
    # What the public archive searches (read only while the asker agreed to publication).
    await store_archive.refresh_search(conn, target["id"])
    if mail_id:
        uow.after_commit(lambda: deliver_soon(runtime, answer_id))
    uow.emit(
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
    async with unit_of_work(runtime) as uow:
        row = await sq.mark_delivered(uow.conn, answer_id, via)
        if row is None:
            return False
        uow.emit(
            ev.BenchAnswerDelivered(
                question_id=row["question_id"], delivered_at=row["delivered_at"]
            )
        )
    return True


async def deliver_soon(runtime: Runtime, answer_id: uuid.UUID) -> None:
    """Queue the job sending an answer's mail (a lost job only delays: the crons make up)."""
    if runtime.jobs is not None:
        await runtime.jobs.enqueue(
            "bench_deliver_answer", str(answer_id), job_id=f"bench-answer:{answer_id}"
        )


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
                # Lazily: a list of 300 per question was a tenth of the job's time.
                others = itertools.islice((c for c in recent if c[0] != question_id), 300)
                for candidate_id, score in domain.likely_duplicates(text, topic, others):
                    found.append((question_id, candidate_id, score))
            await sq.save_duplicates(conn, found)
            await sq.mark_duplicates_checked(conn, [q[0] for q in batch])
        done += len(batch)


async def ask(
    runtime: Runtime,
    edition_id: uuid.UUID,
    data: QuestionIn,
    requested: idempotency.Claimed | None = None,
) -> QuestionCreated | idempotency.Replay:
    """A resident's question by the web API (the stored answer when its key is sent again).
    Refused: `bench.consent_needed`, `bench.text_too_short` (422), and as `receive_question`;
    over the e-mail address's limit (RATE_LIMIT_MAIL_ADDRESS) `RateLimited`."""
    check_question(data)
    await runtime.limiter.check_address(data.email)
    async with unit_of_work(runtime) as uow:
        if replay := await uow.claim(requested):
            return replay
        created = await receive_question(uow, edition_id, data, channel="web")
        await uow.remember(201, created)
    return created


def check_question(data: QuestionIn) -> None:
    """What the schema cannot say of a resident's question."""
    if data.email and not data.consent:
        raise invalid("consent", "bench.consent_needed")
    if len(data.text.strip()) < 10:
        raise invalid("text", "bench.text_too_short")


async def ask_by_form(
    runtime: Runtime, edition_id: uuid.UUID, data: QuestionIn, nonce: str
) -> tuple[QuestionCreated | None, Any]:
    """A resident's question by the web form: (the new question, None), or (None, the question
    the same form (`nonce`) sent before). Refused as `receive_question`."""
    async with unit_of_work(runtime) as uow:
        earlier = await sq.claim_form_nonce(uow.conn, nonce)
        if earlier is not None:
            return None, await sq.question(uow.conn, earlier)
        created = await receive_question(uow, edition_id, data, channel="web")
        await sq.remember_form_nonce(uow.conn, nonce, created.id)
    return created, None


def publication_state(row: Any) -> bool:
    """Whether the question is in the public archive now (as `store_archive.PUBLISHED`)."""
    return bool(
        row["publish"]
        and row["withheld_at"] is None
        and row["answered_at"] is not None
        and row["moderated_at"] is not None
        and row["merged_into"] is None
        and row["reject_reason"] is None
        and row["text"] != ERASED
    )


async def track(runtime: Runtime, reference: str, token: str) -> QuestionStatus | None:
    """The status an asker may see; None when reference and token do not match (either way)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await store.question_by_reference(conn, reference.strip().upper())
        if row is None or row["tracking_token_hash"] != domain.hash_token(token.strip()):
            return None
        answers = await sq.answers_of(conn, row["id"])
    latest = answers[-1] if answers else None
    if latest is not None and latest["delivered_at"] is None and latest["mail_id"] is None:
        # No address to mail it to: the answer reaches the asker when they read it here.
        await record_delivery(runtime, latest["id"], "tracking")
    answer = (
        AnswerView(
            text=latest["text"], language=latest["language"], answered_at=latest["answered_at"]
        )
        if latest
        else None
    )
    return QuestionStatus(
        reference=row["reference"],
        status=row["status"],
        answer=answer,
        publish=row["publish"],
        published=publication_state(row),
        rejection_reason=(row["reject_reason_code"] or "other")
        if row["status"] == "rejected"
        else None,
    )


async def record_verdict(runtime: Runtime, token: str, helpful: bool) -> bool:
    """The asker's verdict from the answer mail's link (issue 16 part 5): recorded once per
    question with `bench.answer_verdict_given` in the same transaction; a used or unknown token
    changes nothing, emits nothing and returns False."""
    async with unit_of_work(runtime) as uow:
        row = await uow.conn.fetchrow(
            """update bench_questions set helpful = $2, feedback_at = now()
               where feedback_token_hash = $1 and feedback_at is null
               returning id, feedback_at""",
            domain.hash_token(token),
            helpful,
        )
        return _verdict_given(uow, row, helpful)


async def record_verdict_tracked(
    runtime: Runtime, reference: str, token: str, helpful: bool
) -> bool:
    """The same verdict from the tracking page (reference and tracking code): only for an
    answered question with no verdict yet; otherwise nothing changes and False."""
    async with unit_of_work(runtime) as uow:
        row = await uow.conn.fetchrow(
            """update bench_questions set helpful = $3, feedback_at = now()
               where reference = $1 and tracking_token_hash = $2 and status = 'answered'
                 and feedback_at is null
               returning id, feedback_at""",
            reference.strip().upper(),
            domain.hash_token(token.strip()),
            helpful,
        )
        return _verdict_given(uow, row, helpful)


def _verdict_given(uow: UnitOfWork, row: Any, helpful: bool) -> bool:
    if row is None:
        return False
    uow.emit(
        ev.BenchAnswerVerdictGiven(
            question_id=row["id"],
            verdict="helpful" if helpful else "not_helpful",
            given_at=row["feedback_at"],
        )
    )
    return True


async def verdict_of(runtime: Runtime, reference: str) -> bool | None:
    """The asker's recorded verdict (True helpful, False not), None when none is."""
    return await runtime.pool(SCHEMA).fetchval(
        "select helpful from bench_questions where reference = $1 and feedback_at is not null",
        reference,
    )
