"""Faults under a mixed load: parts SIGKILLed and restarted, NATS and PostgreSQL restarted, the
mail server refusing for a while, two instances of every service and part at once — and
afterwards every request was stored once (answers, moderations, formal checks, evaluations and
awards each on their own row), every indicator equals the ground truth kept in the services' own
tables, every event was applied and is in the stream exactly once, and every mail the platform
queued reached the mail server.

The load is over 10,000 events of every programme, sent over HTTP by clients that, like any
well-behaved client, send a request again (to the other instance) when the connection breaks or
the answer is a 5xx — with the same Idempotency-Key for creating POSTs, and taking a 409 after
such an uncertain attempt as "the first attempt went through":

- Dialogue Bench questions by web form (a tenth with an e-mail address: acknowledgements),
  some rejected or merged by the coordinator, a ninth routed to a responder who answers them
  (answer mails); questions asked live or on paper at two sessions, which are then marked held;
- NGOs registering an organisation and submitting a small-grant application; a second call
  that closes during the run and goes through formal check, evaluation and a decision (awards
  in PLN, decision mails);
- nominations to the Ambassador of Multiculturalism (duplicates merged; mails to candidates and
  nominators);
- Council meetings scheduled (invitations mailed to the members) and recorded held with members
  and guests;
- indicator values reported by hand.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from shared.auth import Authenticator
from shared.config import load_settings
from shared.embedded import EmbeddedServers
from shared.events import decode
from tests.helpers.faults import Api, SmtpSink
from tests.helpers.processes import Processes, platform_env
from tests.helpers.server import free_port
from tests.helpers.truth import Truth, counter_differences, differences

WARSAW = ZoneInfo("Europe/Warsaw")
SERVICES = ("participation", "grants", "ambassadors", "indicators")
SCHEMAS = SERVICES
STREAM = "OPENKRAKOW"
CONSUMED = ("okr.bench.", "okr.council.", "okr.grants.", "okr.ambassadors.", "okr.indicators.")

QUESTIONS = 6_600  # by web form, into three open editions
LIVE = 300  # asked live or on paper at two sessions, which are then marked held
NOMINATIONS = 500
NGOS = 400  # register, draft, submit
AWARD_APPLICANTS = 10  # the call that is decided during the run
MEETINGS = 30
MEMBERS = 3
CONCURRENCY = 24
MIN_EVENTS = 10_000
# After the load, how long the indicators may take to equal the ground truth and the mail to be
# delivered: 7 s and 0 s on a quiet machine, several times that beside another suite.
CATCH_UP = 180

TOPICS = ["education", "housing", "health_care", "work", "legal_stay", "culture", "safety"]
LANGUAGES = ["uk", "pl", "en", "ru", "be"]
GROUPS = [
    "forced_migrant",
    "none",
    "undisclosed",
    "national_minority",
    "economic_migrant",
    "ethnic_minority",
    "undisclosed",
]
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def nip(n: int) -> str:
    """A valid NIP (Polish tax id) of its own for organisation `n`."""
    base = 100_000_000 + n * 7
    while True:
        digits = [int(d) for d in str(base)[:9]]
        check = sum(d * w for d, w in zip(digits, NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)
        base += 1


def role(i: int) -> str:
    """What happens to web question `i` after it is asked."""
    if i % 9 == 0:
        return "answer"
    if i % 47 == 5:
        return "reject"
    if i % 97 == 11 and role(i - 3) in ("plain", "answer"):
        return "merge"  # into question i - 3 (the same edition)
    return "plain"


def pln(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "PLN"}


@pytest.mark.slow
async def test_nothing_is_lost_or_counted_twice_when_parts_crash_under_mixed_load(
    tmp_path: Path, alone_under_load: None
) -> None:
    rng = random.Random(20261122)
    servers = EmbeddedServers(tmp_path / "servers")
    await servers.start()
    assert servers.database_url and servers.nats_url and servers.redis_url
    smtp = SmtpSink()
    smtp.start()
    env = platform_env(
        servers.database_url,
        servers.nats_url,
        servers.redis_url,
        tmp_path / "data",
        SMTP_URL=smtp.url,
        # Minutes in production; seconds here, so the test does not wait minutes for mail.
        MAIL_RETRY_DELAYS="1,1,2,2,3",
        MAIL_SWEEP_SECONDS="3",
        JOB_TIMEOUT_SECONDS="15",
    )
    procs = Processes(env, tmp_path / "logs")
    webs: dict[str, list[str]] = {}
    for service in SERVICES:
        for instance in "ab":
            # Each participation instance has its own SMTP intake (the Bench's e-mail door).
            extra = {"SMTP_INTAKE_PORT": str(free_port())} if service == "participation" else {}
            procs.add(f"{service}-{instance}", "serve", service, web=True, **extra)
    for instance in "ab":
        procs.add(f"relay-{instance}", "relay")
        procs.add(f"worker-{instance}", "worker")
    web_parts = [p for p in procs.parts.values() if p.port]
    try:
        for part in procs.parts.values():
            part.start()
        for part in web_parts:
            await part.wait_healthy(60)
            webs.setdefault(part.name.rsplit("-", 1)[0], []).append(part.url)
        auth = Authenticator.from_settings(
            load_settings(secret_key=env["OPENKRAKOW_SECRET_KEY"], data_dir=tmp_path / "data")
        )

        def token(role_name: str, subject: str | None = None, org: str | None = None) -> str:
            return auth.access_token(
                subject or f"chaos-{role_name}",
                role_name,
                org=uuid.UUID(org) if org else None,
                ttl=3600,
            )

        coordinator = token("coordinator")
        secretary = token("council_secretary")
        responder = token("responder", "responder-chaos")
        async with httpx.AsyncClient(timeout=10) as client:
            api = Api(webs, rng=random.Random(7))
            now = datetime.now(UTC)
            today = now.astimezone(WARSAW).date()

            # --- Set-up, before any fault ---------------------------------------------------
            async def bench_edition(held_on: date, n: int) -> str:
                created = await api.call(
                    "participation",
                    "POST",
                    "/api/bench/editions",
                    token=coordinator,
                    idempotent=True,
                    json={
                        "title": f"Chaos edition {n}",
                        "held_on": held_on.isoformat(),
                        "venue": "Centrum Wielokulturowe",
                        "audience": "everyone",
                        "submissions_close_at": (now + timedelta(days=1)).isoformat(),
                    },
                )
                return created["id"]

            editions = [await bench_edition(today + timedelta(days=30), n) for n in range(3)]
            sessions = [await bench_edition(today, n) for n in (3, 4)]
            ambassador_editions = []
            for _ in range(2):
                created = await api.call(
                    "ambassadors",
                    "POST",
                    "/api/ambassadors/editions",
                    token=coordinator,
                    idempotent=True,
                    json={
                        "year": today.year,
                        "nominations_close_at": (now + timedelta(days=10)).isoformat(),
                        "criteria": [{"key": "impact", "name": "Impact", "weight": 1}],
                    },
                )
                ambassador_editions.append(created["id"])
            members = []
            for m in range(MEMBERS):
                created = await api.call(
                    "participation",
                    "POST",
                    "/api/council/members",
                    token=coordinator,
                    idempotent=True,
                    json={
                        "name": f"Członek Rady {m}",
                        "organisation": "Urząd Miasta Krakowa",
                        "email": f"member-{m}@example.org",
                        "category": "city",
                        "term_start": (today - timedelta(days=400)).isoformat(),
                        "term_end": (today + timedelta(days=400)).isoformat(),
                        "language": "pl",
                    },
                )
                members.append(created)

            async def grants_call(closes_at: datetime, title: str) -> str:
                created = await api.call(
                    "grants",
                    "POST",
                    "/api/grants/calls",
                    token=coordinator,
                    idempotent=True,
                    json={
                        "title": title,
                        "budget_total": pln(1_000_000),
                        "max_per_grant": pln(300_000),
                        "opens_at": (now - timedelta(days=1)).isoformat(),
                        "closes_at": closes_at.isoformat(),
                        "criteria": [
                            {"key": "relevance", "name": "Relevance", "weight": 2, "max_points": 10}
                        ],
                        "allow_partial_funding": True,
                    },
                )
                return created["id"]

            async def ngo_applies(n: int, call_id: str, requested: int) -> str:
                subject = f"ngo-{n}"
                org = await api.call(
                    "grants",
                    "POST",
                    "/api/grants/organisations",
                    token=token("ngo", subject),
                    idempotent=True,
                    json={
                        "name": f"Fundacja Otwarte Drzwi {n}",
                        "nip": nip(n),
                        "kind": "ngo",
                        "email": f"ngo-{n}@example.org",
                    },
                )
                as_org = token("ngo", subject, org["id"])
                app = await api.call(
                    "grants",
                    "POST",
                    f"/api/grants/calls/{call_id}/applications",
                    token=as_org,
                    idempotent=True,
                    json={
                        "title": f"Warsztaty językowe {n}",
                        "summary": "Cotygodniowe warsztaty języka polskiego dla rodzin.",
                        "objectives": [3],
                        "requested": pln(requested),
                        "budget_lines": [
                            {"category": "fees", "description": "fees", "amount": pln(requested)}
                        ],
                    },
                )
                await api.call(
                    "grants",
                    "POST",
                    f"/api/grants/applications/{app['id']}/submit",
                    token=as_org,
                    settle_conflict=True,
                )
                return app["id"]

            mass_call = await grants_call(now + timedelta(days=1), "Małe granty (chaos)")
            award_closes = datetime.now(UTC) + timedelta(seconds=15)
            award_call = await grants_call(award_closes, "Małe granty rozstrzygane (chaos)")
            evaluators = []
            for e in range(2):
                await api.call(
                    "grants",
                    "POST",
                    f"/api/grants/calls/{award_call}/evaluators",
                    token=coordinator,
                    idempotent=True,
                    json={
                        "subject": f"evaluator-{e}",
                        "name": f"Oceniający {e}",
                        "email": f"evaluator-{e}@example.org",
                    },
                )
                evaluators.append(token("evaluator", f"evaluator-{e}"))
            award_apps = [
                await ngo_applies(NGOS + a, award_call, 100_000 + 20_000 * a)
                for a in range(AWARD_APPLICANTS)
            ]

            # --- The load ------------------------------------------------------------------
            slot = asyncio.Semaphore(CONCURRENCY)
            question_ids: dict[int, asyncio.Future[str]] = {
                i: asyncio.get_running_loop().create_future() for i in range(QUESTIONS)
            }
            manual: dict[str, float] = {}
            live_left = Counter(k % 2 for k in range(LIVE))

            async def question(i: int) -> None:
                kind = role(i)
                if kind == "merge":
                    target = await question_ids[i - 3]  # wait outside a slot: no deadlock
                async with slot:
                    body: dict[str, Any] = {
                        "text": f"Question number {i} about life in Kraków?",
                        "topic": TOPICS[i % len(TOPICS)],
                        "language": LANGUAGES[i % len(LANGUAGES)],
                        "group": GROUPS[i % len(GROUPS)],
                    }
                    if i % 10 == 3:
                        body |= {"email": f"asker-{i}@example.org", "consent": True}
                    created = await api.call(
                        "participation",
                        "POST",
                        f"/api/bench/editions/{editions[i % 3]}/questions",
                        json=body,
                        idempotent=True,
                    )
                    question_ids[i].set_result(created["id"])
                    qid = created["id"]
                    if kind == "answer":
                        await api.call(
                            "participation",
                            "POST",
                            f"/api/bench/questions/{qid}/assignment",
                            token=coordinator,
                            json={"responder": "responder-chaos", "department": "Wydział Spraw"},
                        )
                        await api.call(
                            "participation",
                            "POST",
                            f"/api/bench/questions/{qid}/answer",
                            token=responder,
                            settle_conflict=True,
                            json={"text": f"Odpowiedź na pytanie {i}.", "language": "pl"},
                        )
                    elif kind in ("reject", "merge"):
                        decision = (
                            {"decision": "rejected", "reason": "off topic"}
                            if kind == "reject"
                            else {"decision": "merged", "merged_into": target}
                        )
                        await api.call(
                            "participation",
                            "POST",
                            f"/api/bench/questions/{qid}/moderation",
                            token=coordinator,
                            settle_conflict=True,
                            json=decision,
                        )

            async def live(k: int) -> None:
                session = k % 2
                async with slot:
                    body: dict[str, Any] = {
                        "channel": "live" if k % 3 else "paper",
                        "text": f"Asked in the room, number {k}: when will it change?",
                        "topic": TOPICS[k % len(TOPICS)],
                        "language": LANGUAGES[k % len(LANGUAGES)],
                        "group": GROUPS[k % len(GROUPS)],
                    }
                    if k % 2 == 0:
                        body["answered_live_at"] = datetime.now(UTC).isoformat()
                    await api.call(
                        "participation",
                        "POST",
                        f"/api/bench/editions/{sessions[session]}/entered-questions",
                        token=coordinator,
                        idempotent=True,
                        json=body,
                    )
                    live_left[session] -= 1
                    if live_left[session] == 0:
                        await api.call(
                            "participation",
                            "POST",
                            f"/api/bench/editions/{sessions[session]}/held",
                            token=coordinator,
                            settle_conflict=True,
                        )

            async def nomination(n: int) -> None:
                candidate = n - 2 if n % 10 == 4 else n  # a tenth nominate someone again
                async with slot:
                    await api.call(
                        "ambassadors",
                        "POST",
                        f"/api/ambassadors/editions/{ambassador_editions[n % 2]}/nominations",
                        idempotent=True,
                        json={
                            "candidate_name": f"Kandydatka {candidate}",
                            "candidate_email": f"candidate-{candidate}@example.org",
                            "justification": "Uczy dzieci języka polskiego w Nowej Hucie od lat.",
                            "nominator_name": f"Nominujący {n}",
                            "nominator_email": f"nominator-{n}@example.org",
                            "consent": True,
                            "nominator_group": GROUPS[n % len(GROUPS)],
                            "language": LANGUAGES[n % len(LANGUAGES)],
                        },
                    )

            async def ngo(n: int) -> None:
                async with slot:
                    await ngo_applies(n, mass_call, 50_000 + n)

            async def meeting(m: int) -> None:
                async with slot:
                    created = await api.call(
                        "participation",
                        "POST",
                        "/api/council/meetings",
                        token=secretary,
                        idempotent=True,
                        json={
                            "title": f"Posiedzenie Rady {m}",
                            "starts_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
                            "place": "Sala Obrad",
                        },
                    )
                    attendees = [
                        {"name": f"Członek Rady {j}", "member_id": members[j]["id"]}
                        for j in range(MEMBERS)
                        if (m + j) % 4
                    ] + [{"name": f"Gość {g}", "organisation": "NGO"} for g in range(m % 6)]
                    await api.call(
                        "participation",
                        "POST",
                        f"/api/council/meetings/{created['id']}/held",
                        token=secretary,
                        settle_conflict=True,
                        json={"attendees": attendees},
                    )

            async def award() -> None:
                """The decided call: after it closes, formal check, two evaluations each, decision."""
                await asyncio.sleep(max(0.0, (award_closes - datetime.now(UTC)).total_seconds()))
                for a, app in enumerate(award_apps):
                    eligible = a % 5 != 4
                    await api.call(
                        "grants",
                        "POST",
                        f"/api/grants/applications/{app}/formal-check",
                        token=coordinator,
                        settle_conflict=True,
                        json={"eligible": eligible}
                        | ({} if eligible else {"reason": "The statute does not fit the call."}),
                    )
                    if not eligible:
                        continue
                    for e, evaluator in enumerate(evaluators):
                        await api.call(
                            "grants",
                            "POST",
                            f"/api/grants/applications/{app}/evaluations",
                            token=evaluator,
                            settle_conflict=True,
                            json={"scores": {"relevance": 3 + (a * 3 + e) % 8}},
                        )
                await api.call(
                    "grants",
                    "POST",
                    f"/api/grants/calls/{award_call}/decision",
                    token=coordinator,
                    settle_conflict=True,
                )

            async def report_by_hand() -> None:
                for value in (4100.0, 4321.0):  # the later report is the value
                    await api.call(
                        "indicators",
                        "POST",
                        "/api/indicators/services.information_point_beneficiaries/values",
                        token=coordinator,
                        idempotent=True,
                        json={"year": today.year, "value": value, "note": "chaos"},
                        ok=(202,),
                    )
                    manual["services.information_point_beneficiaries"] = value
                    await asyncio.sleep(2.0)

            flows: list[Awaitable[None]] = [
                *(question(i) for i in range(QUESTIONS)),
                *(live(k) for k in range(LIVE)),
                *(nomination(n) for n in range(NOMINATIONS)),
                *(ngo(n) for n in range(NGOS)),
                *(meeting(m) for m in range(MEETINGS)),
            ]
            # Interleave the programmes (a merge waits, outside a slot, for the question it
            # joins to be asked).
            order = list(range(len(flows)))
            rng.shuffle(order)
            flows = [flows[i] for i in order]

            # --- The faults ----------------------------------------------------------------
            def restart(part_name: str) -> Callable[[], Awaitable[None]]:
                async def action() -> None:
                    part = procs.parts[part_name]
                    part.kill()
                    await asyncio.sleep(rng.uniform(0.2, 1.0))
                    part.start()

                action.__name__ = f"sigkill {part_name}"
                return action

            async def restart_nats() -> None:
                await servers.restart_nats()

            async def restart_postgres() -> None:
                await servers.restart_postgres()

            actions = [
                restart("relay-a"),
                restart("relay-b"),
                restart("indicators-a"),  # a consumer (and a web process)
                restart("participation-a"),
                restart("grants-b"),
                restart("ambassadors-a"),
                restart("worker-a"),
                restart("worker-b"),
                restart_nats,
                restart_postgres,
            ]
            rng.shuffle(actions)
            done: list[str] = []

            async def chaos() -> None:
                for action in actions:
                    await asyncio.sleep(rng.uniform(2.5, 6.5))
                    await action()
                    done.append(action.__name__)

            async def mail_server_refuses() -> None:
                await asyncio.sleep(rng.uniform(5.0, 15.0))
                smtp.refusing = True
                await asyncio.sleep(10.0)
                smtp.refusing = False
                done.append("smtp refusing 10 s")

            started = time.monotonic()
            faults = [asyncio.create_task(chaos()), asyncio.create_task(mail_server_refuses())]
            await asyncio.gather(*flows, award(), report_by_hand())
            elapsed = time.monotonic() - started
            await asyncio.gather(*faults)  # the remaining faults happen too if the load was quick
            assert len(done) == len(actions) + 1, done
            for part in web_parts:
                await part.wait_healthy(60)

            # --- Afterwards ----------------------------------------------------------------
            conn = await asyncpg.connect(servers.database_url)
            try:
                events = {
                    s: await conn.fetchval(f"select count(*) from {s}.outbox") for s in SCHEMAS
                }
                truth = await Truth.read(conn)
                problems = await stored_once(conn, editions, sessions)
                qid = {i: f.result() for i, f in question_ids.items()}
                problems += await work_stored_once(
                    conn,
                    answered={qid[i] for i in qid if role(i) == "answer"},
                    rejected={qid[i] for i in qid if role(i) == "reject"},
                    merged={qid[i]: qid[i - 3] for i in qid if role(i) == "merge"},
                    web=editions,
                )
                problems += await grants_decided_once(
                    conn,
                    award_call,
                    eligible={app: a % 5 != 4 for a, app in enumerate(award_apps)},
                    scores={
                        (app, f"evaluator-{e}"): 3 + (a * 3 + e) % 8
                        for a, app in enumerate(award_apps)
                        if a % 5 != 4
                        for e in range(len(evaluators))
                    },
                    budget=1_000_000,
                    max_per_grant=300_000,
                )
                if sum(events.values()) < MIN_EVENTS:
                    problems.append(f"only {sum(events.values())} events: {events}")
                waited = time.monotonic()
                problems += await indicators_equal_truth(
                    conn, client, webs["indicators"], coordinator, truth, manual
                )
                caught_up = time.monotonic() - waited
                problems += await each_event_applied_once(conn)
                problems += await each_event_in_the_stream_once(conn, servers.nats_url)
                waited = time.monotonic()
                mail_problems, mail = await mail_delivered(conn, smtp)
                mailed = time.monotonic() - waited
                problems += mail_problems
            finally:
                await conn.close()
                api.http.close()
            summary = (
                f"{sum(events.values())} events {events} from {api.calls} requests in "
                f"{elapsed:.1f}s under {', '.join(done)}; retried: {dict(api.retries)}; {mail}; "
                f"indicators caught up {caught_up:.1f}s and mail {mailed:.1f}s after the load"
            )
            print(f"\nchaos: {summary}")
            assert not problems, "\n".join([summary, *problems])
    finally:
        procs.stop_all()
        smtp.stop()
        await servers.destroy()


async def stored_once(
    conn: asyncpg.Connection, editions: list[str], sessions: list[str]
) -> list[str]:
    """Every request of the load was stored exactly once (Idempotency-Key, 409 settling)."""
    stored = {
        "web questions": await conn.fetchval(
            "select count(*) from participation.bench_questions where edition_id = any($1::uuid[])",
            editions,
        ),
        "questions from the room": await conn.fetchval(
            "select count(*) from participation.bench_questions where edition_id = any($1::uuid[])",
            sessions,
        ),
        "nominations": await conn.fetchval("select count(*) from ambassadors.nominations"),
        "submitted applications": await conn.fetchval(
            "select count(*) from grants.applications where submitted_at is not null"
        ),
        "meetings held": await conn.fetchval(
            "select count(*) from participation.council_meetings where status = 'held'"
        ),
        "sessions held": await conn.fetchval(
            "select count(*) from participation.bench_editions where status = 'held'"
        ),
    }
    sent = {
        "web questions": QUESTIONS,
        "questions from the room": LIVE,
        "nominations": NOMINATIONS,
        "submitted applications": NGOS + AWARD_APPLICANTS,
        "meetings held": MEETINGS,
        "sessions held": len(sessions),
    }
    return [
        f"{what}: sent {sent[what]}, stored {stored[what]}"
        for what in sent
        if stored[what] != sent[what]
    ]


async def work_stored_once(
    conn: asyncpg.Connection,
    *,
    answered: set[str],
    rejected: set[str],
    merged: dict[str, str],
    web: list[str],
) -> list[str]:
    """Answers and moderation decisions of the load were each stored exactly once, on the
    question they were sent for: a write lost after an uncertain attempt (the client took the
    409 of its retry as success) shows here, not in a count of questions."""
    problems = []
    answers = {
        str(r["question_id"]): r["n"]
        for r in await conn.fetch(
            "select a.question_id, count(*)::int as n from participation.bench_answers a "
            "join participation.bench_questions q on q.id = a.question_id "
            "where q.edition_id = any($1::uuid[]) group by 1",
            web,
        )
    }
    lost = answered - set(answers)
    twice = {q for q, n in answers.items() if n > 1}
    # Answering a question answers the questions merged into it before (each asker is told).
    stray = set(answers) - answered - {q for q, target in merged.items() if target in answered}
    if lost or twice or stray:
        problems.append(
            f"answers: {len(answered)} sent, {len(lost)} lost, {len(twice)} stored twice, "
            f"{len(stray)} on questions nobody answered"
        )
    rows = await conn.fetch(
        "select id::text, status, merged_into::text, moderated_at from participation.bench_questions "
        "where edition_id = any($1::uuid[]) and (status in ('rejected', 'merged') "
        "or merged_into is not null or moderated_at is not null)",
        web,
    )
    got_rejected = {r["id"] for r in rows if r["status"] == "rejected"}
    # A merged question keeps merged_into; once the question it joined is answered, so is it.
    got_merged = {
        r["id"]: r["merged_into"]
        for r in rows
        if r["merged_into"] is not None and r["status"] in ("merged", "answered")
    }
    if got_rejected != rejected:
        problems.append(
            f"rejections: {len(rejected)} sent, {len(rejected - got_rejected)} lost, "
            f"{len(got_rejected - rejected)} never sent"
        )
    if got_merged != merged:
        wrong = {q for q in merged if got_merged.get(q) != merged[q]}
        problems.append(
            f"merges: {len(merged)} sent, {len(wrong)} lost or into another question, "
            f"{len(set(got_merged) - set(merged))} never sent"
        )
    unmarked = [
        r["id"] for r in rows if r["status"] in ("rejected", "merged") and not r["moderated_at"]
    ]
    if unmarked:
        problems.append(f"{len(unmarked)} moderated questions without a moderation time")
    return problems


async def grants_decided_once(
    conn: asyncpg.Connection,
    call_id: str,
    *,
    eligible: dict[str, bool],
    scores: dict[tuple[str, str], int],
    budget: int,
    max_per_grant: int,
) -> list[str]:
    """The decided call's formal checks, evaluations and awards were each stored once, as sent:
    every evaluation with the points sent, and awards that spend the whole budget (the eligible
    applications ask for more than it) on eligible applications only."""
    problems = []
    checked = {
        str(r["id"]): (r["formal_eligible"], r["requested"])
        for r in await conn.fetch(
            "select id, formal_eligible, requested from grants.applications "
            "where id = any($1::uuid[])",
            list(eligible),
        )
    }
    wrong_checks = [a for a, ok in eligible.items() if checked.get(a, (None, 0))[0] is not ok]
    if wrong_checks:
        problems.append(f"formal checks lost or wrong: {len(wrong_checks)} of {len(eligible)}")
    stored = {
        (str(r["application_id"]), r["subject"]): r
        for r in await conn.fetch(
            "select s.application_id, e.subject, s.scores, s.submitted_at "
            "from grants.assignments s join grants.evaluators e on e.id = s.evaluator_id "
            "where s.application_id = any($1::uuid[])",
            list(eligible),
        )
    }

    def points(raw: object) -> int:
        while isinstance(raw, str):  # jsonb as text, however many times encoded
            raw = json.loads(raw)
        assert isinstance(raw, dict)
        return int(raw["relevance"])

    submitted = {
        key: points(r["scores"])
        for key, r in stored.items()
        if r["submitted_at"] is not None and r["scores"] is not None
    }
    if submitted != scores:
        lost = [k for k in scores if k not in submitted]
        wrong = [k for k in scores if k in submitted and submitted[k] != scores[k]]
        stray = [k for k in submitted if k not in scores]
        problems.append(
            f"evaluations: {len(scores)} sent, {len(lost)} lost, {len(wrong)} with other points, "
            f"{len(stray)} never sent"
        )
    awards = await conn.fetch(
        "select application_id::text, amount, currency from grants.awards where call_id = $1",
        uuid.UUID(call_id),
    )
    total = sum(r["amount"] for r in awards)
    if total != budget:
        problems.append(f"awards: {len(awards)} spending {total} of a budget of {budget}")
    for r in awards:
        app = r["application_id"]
        if not eligible.get(app):
            problems.append(f"award to an application not found eligible: {app}")
        elif r["amount"] > min(checked[app][1], max_per_grant) or r["currency"] != "PLN":
            problems.append(f"award over what was asked or allowed: {dict(r)}")
    return problems


async def each_event_in_the_stream_once(conn: asyncpg.Connection, nats_url: str) -> list[str]:
    """Every event of every outbox is in the stream exactly once (a relay killed between
    publishing and marking publishes again; the stream's de-duplication must drop the copy),
    read from the stream itself up to its last message."""
    import nats

    wanted: Counter[str] = Counter()
    for schema in SCHEMAS:
        # Those marked published: the stream acknowledged them before they were marked (an event
        # written since the load, still on its way, is each_event_applied_once's to wait for).
        for r in await conn.fetch(
            f"select event_id from {schema}.outbox where published_at is not null"
        ):
            wanted[str(r["event_id"])] += 1
    seen: Counter[str] = Counter()
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream(timeout=30)
        last = (await js.stream_info(STREAM)).state.last_seq
        sub = await js.subscribe(
            ">",
            stream=STREAM,
            ordered_consumer=True,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        try:
            while last:
                msg = await sub.next_msg(timeout=30)
                # The event's own id, not the message id: a copy under another id is a copy.
                seen[str(decode(msg.data).id)] += 1
                if msg.metadata.sequence.stream >= last:
                    break
        finally:
            await sub.unsubscribe()
    finally:
        await nc.close()
    never = [e for e in wanted if e not in seen]
    twice = {e: n for e, n in seen.items() if e in wanted and n > 1}
    problems = []
    if never:
        problems.append(f"{len(never)} outbox events not in the stream, e.g. {never[:3]}")
    if twice:
        problems.append(
            f"{len(twice)} events in the stream more than once (each would be delivered again), "
            f"e.g. {list(twice.items())[:3]}"
        )
    return problems


async def indicators_equal_truth(
    conn: asyncpg.Connection,
    client: httpx.AsyncClient,
    bases: list[str],
    token: str,
    truth: Truth,
    manual: dict[str, float],
) -> list[str]:
    """Both instances show every indicator equal to the ground truth, for every year with data;
    and every counter the projection keeps (breakdowns too) equals it."""
    years = sorted(truth.years | {datetime.now(WARSAW).year})
    problems: list[str] = ["not read yet"]
    deadline = time.monotonic() + CATCH_UP
    while problems and time.monotonic() < deadline:
        problems = []
        for base in bases:
            for year in years:
                try:
                    resp = await client.get(
                        f"{base}/api/indicators",
                        params={"year": year},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.HTTPError as exc:
                    problems.append(f"{base}: {exc!r}")
                    continue
                if resp.status_code != 200:
                    problems.append(f"{base}: {resp.status_code} {resp.text[:200]}")
                    continue
                problems += [
                    f"{base}: {line}"
                    for line in differences(truth, year, resp.json()["indicators"], manual)
                ]
        kept = {
            (r["indicator_id"], r["year"], r["dimension"]): int(r["value"])
            for r in await conn.fetch(
                "select indicator_id, year, dimension, value from indicators.indicator_values"
            )
        }
        problems += counter_differences(truth, kept)
        if problems:
            await asyncio.sleep(0.5)
    return [f"indicators differ from the ground truth: {line}" for line in problems]


async def each_event_applied_once(conn: asyncpg.Connection) -> list[str]:
    """Every event of every outbox was published and applied by the indicators (the inbox holds
    a row per event applied; none is missing, none is foreign, none parked). The inbox's key
    makes a second row impossible, so "applied twice" is not looked for here: the counters equal
    the ground truth, and each_event_in_the_stream_once shows no event was there to apply twice.

    The parts keep running after the load (their jobs record deliveries, suggest duplicates,
    send reminders: new events), so the outboxes and the inbox are read in one snapshot, and
    read again until they agree: a CI run read the outboxes, then an inbox that had meanwhile
    applied six newer events ("applied that no outbox holds") while two of those were still on
    their way ("never published")."""
    deadline = time.monotonic() + CATCH_UP
    while True:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            problems = await _applied_once_in_one_snapshot(conn)
        if not problems or time.monotonic() > deadline:
            return problems
        await asyncio.sleep(0.5)


async def _applied_once_in_one_snapshot(conn: asyncpg.Connection) -> list[str]:
    problems = []
    published: set[uuid.UUID] = set()
    for schema in SCHEMAS:
        rows = await conn.fetch(f"select event_id, subject, published_at from {schema}.outbox")
        unpublished = sum(1 for r in rows if r["published_at"] is None)
        if unpublished:
            problems.append(f"{unpublished} events of {schema} never published")
            # Why (a transaction still open holds the relay's horizon, or the relay stopped).
            stuck = await conn.fetch(
                f"select seq, subject, txid::text, created_at from {schema}.outbox "
                "where published_at is null order by seq limit 5"
            )
            horizon = await conn.fetchval("select pg_snapshot_xmin(pg_current_snapshot())::text")
            open_tx = await conn.fetch(
                "select pid, application_name, state, backend_xid::text, xact_start, "
                "left(query, 160) as query from pg_stat_activity "
                "where backend_xid is not null or state like 'idle in transaction%'"
            )
            problems.append(
                f"  unpublished {[dict(r) for r in stuck]}; horizon {horizon}; "
                f"open transactions {[dict(r) for r in open_tx]}"
            )
        published |= {r["event_id"] for r in rows if r["subject"].startswith(CONSUMED)}
    applied = [
        r["event_id"]
        for r in await conn.fetch(
            "select event_id from indicators.inbox where consumer = 'indicators'"
        )
    ]
    missing, foreign = published - set(applied), set(applied) - published
    if missing:
        problems.append(
            f"{len(missing)} events never applied, e.g. {sorted(map(str, missing))[:3]}"
        )
    if foreign:
        problems.append(f"{len(foreign)} events applied that no outbox holds")
    parked = await conn.fetch("select event_id, error from indicators.dead_letters")
    if parked:
        problems.append(f"{len(parked)} events parked: {[dict(r) for r in parked][:3]}")
    return problems


async def mail_delivered(conn: asyncpg.Connection, smtp: SmtpSink) -> tuple[list[str], str]:
    """Every message queued in any schema reached the mail server (once or more: a crash between
    the server's 250 and recording it sends it again), although the server refused for a while."""
    problems: list[str] = ["not read yet"]
    deadline = time.monotonic() + CATCH_UP
    rows: list[asyncpg.Record] = []
    received: Counter[str] = Counter()
    while problems and time.monotonic() < deadline:
        rows = []
        for schema in SCHEMAS:
            rows += await conn.fetch(
                f"select '{schema}' as schema, message_id, purpose, sent_at, attempts "
                f"from {schema}.outgoing_mail"
            )
        received = smtp.snapshot()
        unsent = Counter(f"{r['schema']}/{r['purpose']}" for r in rows if r["sent_at"] is None)
        missing = Counter(
            f"{r['schema']}/{r['purpose']}" for r in rows if r["message_id"] not in received
        )
        problems = []
        if unsent:
            problems.append(f"mail never sent (by purpose): {dict(unsent)}")
        if missing:
            problems.append(f"mail never received by the mail server: {dict(missing)}")
        if problems:
            await asyncio.sleep(0.5)
    strangers = set(received) - {r["message_id"] for r in rows}
    if strangers:
        problems.append(f"the mail server got messages nobody queued: {sorted(strangers)[:3]}")
    if smtp.refused == 0:
        problems.append("the mail server's refusal met no message: the test tested nothing")
    retried = sum(1 for r in rows if r["attempts"] > 1)
    if smtp.refused and not retried:
        problems.append("no message was tried again although the mail server refused some")
    purposes = Counter(r["purpose"] for r in rows)
    twice = sum(n - 1 for n in received.values() if n > 1)
    return problems, (
        f"{len(rows)} mails queued {dict(purposes)}; {smtp.refused} refusals, "
        f"{retried} tried again, {twice} delivered again after a crash"
    )
