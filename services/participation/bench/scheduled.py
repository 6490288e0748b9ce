"""Bench jobs (arq): answer delivery, deadlines, closing editions, stranded mail. All idempotent."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from services.participation.bench import store_questions as sq
from services.participation.bench.commands import SCHEMA, deadlines, departments, questions
from services.participation.bench.commands import mail as inbound
from shared import jobs as jobkit
from shared.events import utcnow
from shared.runtime import Runtime, send_mail

log = logging.getLogger("openkrakow.bench.jobs")


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
    await questions.record_delivery(runtime, uuid.UUID(answer_id), "email")
    return "delivered"


async def bench_record_deliveries(ctx: dict[str, Any]) -> int:
    """Cron: record answers whose mail the kit's sweeper sent after our own job was lost."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sq.answers_sent_not_recorded(conn)
    recorded = 0
    for row in rows:
        recorded += await questions.record_delivery(runtime, row["id"], "email")
    return recorded


async def bench_flag_overdue(ctx: dict[str, Any]) -> int:
    """Cron: flag questions past their due date once, and remind their responder and coordinator."""
    return await deadlines.flag_overdue(ctx["runtime"], utcnow())


async def bench_close_editions(ctx: dict[str, Any]) -> int:
    """Cron: close submissions of editions whose closing time has passed."""
    return await deadlines.close_past_editions(ctx["runtime"])


async def bench_process_stranded_mail(ctx: dict[str, Any]) -> int:
    """Cron: process received mail whose processing was interrupted."""
    return await inbound.process_stranded(ctx["runtime"])


async def bench_suggest_duplicates(ctx: dict[str, Any], edition_id: str) -> int:
    """Job: suggest likely duplicates of an edition's new questions to the moderators."""
    runtime: Runtime = ctx["runtime"]
    async with runtime.pool(SCHEMA).acquire() as conn:
        return await questions.check_duplicates_of_edition(conn, uuid.UUID(edition_id))


async def bench_sweep_duplicate_checks(ctx: dict[str, Any]) -> int:
    """Cron: questions whose duplicate check was lost (a job lost with Redis) are looked at."""
    runtime: Runtime = ctx["runtime"]
    done = 0
    async with runtime.pool(SCHEMA).acquire() as conn:
        for edition_id in await sq.editions_with_unchecked_questions(conn, 30):
            done += await questions.check_duplicates_of_edition(conn, edition_id)
    return done


async def bench_announce_departments(ctx: dict[str, Any]) -> int:
    """Cron: announce (`bench.department_saved`) departments saved before they were announced."""
    return await departments.announce_pending(ctx["runtime"])


jobs = [
    jobkit.func(bench_deliver_answer, name="bench_deliver_answer"),
    jobkit.func(bench_suggest_duplicates, name="bench_suggest_duplicates"),
]
cron_jobs = [
    jobkit.cron(bench_close_editions, name="bench_close_editions", second=11, run_at_startup=True),
    jobkit.cron(bench_flag_overdue, name="bench_flag_overdue", second=21, run_at_startup=True),
    jobkit.cron(
        bench_announce_departments,
        name="bench_announce_departments",
        minute=set(range(0, 60, 10)),
        second=1,
        run_at_startup=True,
    ),
    jobkit.cron(bench_record_deliveries, name="bench_record_deliveries", second=31),
    jobkit.cron(bench_process_stranded_mail, name="bench_process_stranded_mail", second=41),
    jobkit.cron(bench_sweep_duplicate_checks, name="bench_sweep_duplicate_checks", second=51),
]
