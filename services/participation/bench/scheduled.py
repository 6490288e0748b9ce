"""Bench jobs (arq): answer delivery, deadlines, closing editions, stranded mail. All idempotent."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from services.participation.bench import intake, mails, service, store
from services.participation.bench import store_questions as sq
from shared import jobs as jobkit
from shared import mail
from shared.events import catalogue as ev
from shared.events import utcnow
from shared.runtime import Runtime, send_mail

log = logging.getLogger("openkrakow.bench.jobs")
SCHEMA = service.SCHEMA


async def bench_deliver_answer(ctx: dict[str, Any], answer_id: str) -> str:
    """Send an answer's mail (retried while the mail server fails), then record its delivery."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sq.answer_mail(conn, uuid.UUID(answer_id))
    if row is None or row["mail_id"] is None:
        return "nothing to send"
    if row["delivered_at"] is not None:
        return "already delivered"
    outcome = await send_mail(
        ctx, SCHEMA, str(row["mail_id"])
    )  # raises Retry while the server fails
    if outcome != "sent":
        sent = await runtime.pool(SCHEMA).fetchval(
            "select sent_at from outgoing_mail where id = $1", row["mail_id"]
        )
        if sent is None:
            raise jobkit.Retry(defer=5)  # another worker holds it right now
    await service.record_delivery(runtime, uuid.UUID(answer_id), "email")
    return "delivered"


async def bench_record_deliveries(ctx: dict[str, Any]) -> int:
    """Cron: record answers whose mail the kit's sweeper sent after our own job was lost."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sq.answers_sent_not_recorded(conn)
    recorded = 0
    for row in rows:
        recorded += await service.record_delivery(runtime, row["id"], "email")
    return recorded


async def bench_flag_overdue(ctx: dict[str, Any]) -> int:
    """Cron: flag questions past their due date once, and remind their responder and coordinator."""
    runtime: Runtime = ctx["runtime"]
    effects = service.Effects()
    now = utcnow()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        rows = await sq.due_unflagged(conn, now)
        for q in rows:
            await sq.flag_overdue(conn, q["id"], now)
            effects.emit(
                ev.BenchQuestionOverdue(question_id=q["id"], due_at=q["due_at"], flagged_at=now)
            )
            queue_url = (
                f"{runtime.settings.public_url}/api/bench/editions/{q['edition_id']}/questions"
            )
            for to in dict.fromkeys(a for a in (q["responder_email"], q["coordinator_email"]) if a):
                reminder = mails.overdue_reminder(
                    runtime.settings,
                    to=to,
                    reference=q["reference"],
                    due_at=q["due_at"],
                    queue_url=queue_url,
                )
                effects.mail_ids.append(
                    await mail.queue(conn, reminder, purpose="bench.overdue_reminder")
                )
        await effects.commit(conn)
    await effects.after_commit(runtime)
    return len(rows)


async def bench_close_editions(ctx: dict[str, Any]) -> int:
    """Cron: close submissions of editions whose closing time has passed."""
    runtime: Runtime = ctx["runtime"]
    effects = service.Effects()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        rows = await store.editions_past_close(conn)
        for edition in rows:
            await store.set_edition_status(conn, edition["id"], "closed")
            effects.emit(
                ev.BenchEditionSubmissionsClosed(
                    edition_id=edition["id"], closed_at=edition["submissions_close_at"]
                )
            )
        await effects.commit(conn)
    return len(rows)


async def bench_process_stranded_mail(ctx: dict[str, Any]) -> int:
    """Cron: process received mail whose processing was interrupted."""
    return await intake.process_stranded(ctx["runtime"])


async def bench_suggest_duplicates(ctx: dict[str, Any], edition_id: str) -> int:
    """Job: suggest likely duplicates of an edition's new questions to the moderators."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.pool(service.SCHEMA).acquire() as conn:
        return await service.check_duplicates_of_edition(conn, uuid.UUID(edition_id))


async def bench_sweep_duplicate_checks(ctx: dict[str, Any]) -> int:
    """Cron: questions whose duplicate check was lost (a job lost with Redis) are looked at."""
    runtime: Runtime = ctx["runtime"]
    done = 0
    async with runtime.pool(service.SCHEMA).acquire() as conn:
        for edition_id in await sq.editions_with_unchecked_questions(conn, 30):
            done += await service.check_duplicates_of_edition(conn, edition_id)
    return done


jobs = [
    jobkit.func(bench_deliver_answer, name="bench_deliver_answer"),
    jobkit.func(bench_suggest_duplicates, name="bench_suggest_duplicates"),
]
cron_jobs = [
    jobkit.cron(bench_close_editions, name="bench_close_editions", second=11, run_at_startup=True),
    jobkit.cron(bench_flag_overdue, name="bench_flag_overdue", second=21, run_at_startup=True),
    jobkit.cron(bench_record_deliveries, name="bench_record_deliveries", second=31),
    jobkit.cron(bench_process_stranded_mail, name="bench_process_stranded_mail", second=41),
    jobkit.cron(bench_sweep_duplicate_checks, name="bench_sweep_duplicate_checks", second=51),
]
