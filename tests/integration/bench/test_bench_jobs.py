"""The Bench's cron jobs, called as the worker calls them, against the real servers: closing
editions past their time, recording answers whose mail the sweeper sent, and processing mail
stored but never processed (the process stopped in between)."""

from __future__ import annotations

import uuid
from email.mime.text import MIMEText
from email.utils import make_msgid
from typing import Any

import pytest

from services.participation.bench import scheduled
from services.participation.bench import store_mail as sm
from shared.runtime import send_mail
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import ask, events_of, mail_arrives, new_edition


def ctx(platform: RunningPlatform) -> dict[str, Any]:
    """The worker's context. (The platform's own worker runs these crons too, at their second
    of the minute: whichever runs first does the work, so the tests check its effect, which only
    these jobs produce, not the count a call returns.)"""
    return {"runtime": platform.runtime}


async def test_editions_past_their_closing_time_are_closed_once(
    platform: RunningPlatform,
) -> None:
    pool = platform.runtime.pool("participation")
    past, future = await new_edition(platform), await new_edition(platform)
    # The closing time passes (set in the database: the API accepts only future times).
    await pool.execute(
        "update bench_editions set submissions_close_at = now() - interval '1 second' where id = $1",
        uuid.UUID(past["id"]),
    )
    await scheduled.bench_close_editions(ctx(platform))
    status = dict(
        await pool.fetch(
            "select id::text, status from bench_editions where id = any($1::uuid[])",
            [uuid.UUID(past["id"]), uuid.UUID(future["id"])],
        )
    )
    assert status == {past["id"]: "closed", future["id"]: "open"}
    closed = await events_of(platform, "bench.edition_submissions_closed", "edition_id", past["id"])
    assert len(closed) == 1
    # Idempotent: a second run closes nothing again and announces nothing again.
    await scheduled.bench_close_editions(ctx(platform))
    assert (
        len(await events_of(platform, "bench.edition_submissions_closed", "edition_id", past["id"]))
        == 1
    )
    assert (
        await events_of(platform, "bench.edition_submissions_closed", "edition_id", future["id"])
        == []
    )
    refused = await platform.client.post(
        f"/api/bench/editions/{past['id']}/questions",
        json={
            "text": "Czy można jeszcze zadać pytanie?",
            "topic": "education",
            "language": "pl",
            "consent": True,
        },
    )
    assert refused.status_code == 409, refused.text


async def test_an_answer_sent_by_the_sweeper_after_its_own_job_was_lost_is_recorded_once(
    platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = await new_edition(platform)
    asker = f"asker-{uuid.uuid4().hex[:8]}@example.org"
    created = await ask(platform, edition["id"], email=asker, language="pl")
    await mail_arrives(platform, asker)  # the acknowledgement
    jobs = platform.runtime.jobs
    assert jobs is not None
    enqueue = jobs.enqueue

    async def losing_answer_jobs(name: str, *args: Any, **kw: Any) -> bool:
        if name == "bench_deliver_answer":
            return False  # Redis lost it
        return await enqueue(name, *args, **kw)

    monkeypatch.setattr(jobs, "enqueue", losing_answer_jobs)
    resp = await platform.client.post(
        f"/api/bench/questions/{created['id']}/answer",
        json={"text": "Odpowiedź wysłana przez sprzątacza poczty.", "language": "pl"},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    monkeypatch.undo()
    pool = platform.runtime.pool("participation")
    answer = await pool.fetchrow(
        "select id, mail_id from bench_answers where question_id = $1", uuid.UUID(created["id"])
    )
    # The kit's mail sweeper sends it (it knows nothing of answers).
    await send_mail(ctx(platform), "participation", str(answer["mail_id"]))
    await mail_arrives(platform, asker, count=2)
    assert await pool.fetchval(
        "select sent_at is not null from outgoing_mail where id = $1", answer["mail_id"]
    )
    assert await events_of(platform, "bench.answer_delivered", "question_id", created["id"]) == []

    await scheduled.bench_record_deliveries(ctx(platform))
    assert (
        await pool.fetchval("select delivered_via from bench_answers where id = $1", answer["id"])
        == "email"
    )
    assert (
        len(await events_of(platform, "bench.answer_delivered", "question_id", created["id"])) == 1
    )
    await scheduled.bench_record_deliveries(ctx(platform))
    assert (
        len(await events_of(platform, "bench.answer_delivered", "question_id", created["id"])) == 1
    )


async def test_mail_stored_but_never_processed_becomes_a_question_on_the_next_sweep(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    pool = platform.runtime.pool("participation")
    stored = {}
    for age in ("stranded", "fresh"):
        sender = f"{age}-{uuid.uuid4().hex[:8]}@example.net"
        msg = MIMEText("Gdzie w Krakowie są bezpłatne kursy języka polskiego?\n", "plain", "utf-8")
        msg["From"] = sender
        msg["To"] = f"bench+{edition['id']}@{platform.settings.intake_domain}"
        msg["Subject"] = "Pytanie"
        msg["Message-ID"] = make_msgid(domain="example.net")
        # As the SMTP handler stores it, before the process stopped.
        async with pool.acquire() as conn:
            stored[age] = (
                await sm.insert_inbound(
                    conn, peer="127.0.0.1", mail_from=sender, rcpt_to=msg["To"], raw=msg.as_bytes()
                ),
                sender,
            )
    await pool.execute(
        "update bench_inbound_mail set received_at = now() - interval '2 minutes' where id = $1",
        stored["stranded"][0],
    )
    await scheduled.bench_process_stranded_mail(ctx(platform))

    async def question_from(sender: str) -> dict | None:
        row = await pool.fetchrow(
            "select * from bench_questions where edition_id = $1 and asker_email = $2",
            uuid.UUID(edition["id"]),
            sender,
        )
        return dict(row) if row else None

    question = await eventually(
        lambda: question_from(stored["stranded"][1]), what="the stranded mail's question"
    )
    assert question["channel"] == "email"
    assert (
        await pool.fetchval(
            "select status from bench_inbound_mail where id = $1", stored["stranded"][0]
        )
        != "received"
    )
    # A message received a moment ago may still be in its handler's hands: left alone.
    assert (
        await pool.fetchval(
            "select status from bench_inbound_mail where id = $1", stored["fresh"][0]
        )
        == "received"
    )
    assert await question_from(stored["fresh"][1]) is None
