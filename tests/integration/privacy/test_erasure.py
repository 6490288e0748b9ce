"""A person asks what the platform holds about them, then to be forgotten (GDPR art. 15, 17).

They asked the Bench by web and by e-mail, sat on the Council, are the contact of an NGO that
applied for a grant, nominated someone and were nominated. After the erasure their address,
name and subject id are found nowhere — no table of any schema, no raw mail, no stored response,
no event, no Redis key — while the indicators and the tables they are counted from are exactly
as before, and another person's data is untouched.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from shared.events import decode
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.privacy.people import (
    Someone,
    events_applied_since,
    everywhere,
    found_in_redis,
    found_in_stream,
    found_in_tables,
    ground_truth,
    indicators,
    with_grants,
)


async def export_of(platform: RunningPlatform, who: Someone, **extra: str) -> dict:
    resp = await platform.client.post(
        "/api/privacy/exports",
        json={"email": who.email, "subject": who.subject, **extra},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def erased(platform: RunningPlatform, who: Someone) -> dict:
    """Ask for the erasure and wait until it is completed; the finished request."""
    resp = await platform.client.post(
        "/api/privacy/erasures",
        json={"email": who.email, "subject": who.subject},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 202, resp.text
    assert who.email not in resp.text
    return await completed(platform, resp.json()["id"])


async def completed(platform: RunningPlatform, request_id: str) -> dict:
    async def done() -> dict | None:
        resp = await platform.client.get(
            f"/api/privacy/erasures/{request_id}", headers=platform.auth("coordinator")
        )
        assert resp.status_code == 200, resp.text
        return resp.json() if resp.json()["status"] == "completed" else None

    return await eventually(done, timeout=60, interval=0.2, what="the erasure to complete")


def records_of(document: dict) -> dict[str, set[str]]:
    return {name: set(tables) for name, tables in document["services"].items()}


async def test_a_person_is_exported_then_forgotten_everywhere_while_every_count_stays(
    platform: RunningPlatform,
) -> None:
    started = datetime.now(UTC)
    olena = Someone.new("Ołena", "Zarichna")
    maria = Someone.new("Maria", "Nowakowska")
    await everywhere(platform, olena, maria)

    # Art. 15: everything held about her, from every service, and nothing about anyone else.
    document = await export_of(platform, olena)
    text = json.dumps(document, ensure_ascii=False)
    assert records_of(document)["participation"] >= {
        "bench_questions",
        "bench_answers",
        "bench_inbound_mail",
        "council_applications",
        "council_members",
        "council_invitations",
        "council_attendance",
        "outgoing_mail",
    }
    assert records_of(document)["grants"] >= {
        "organisations",
        "representatives",
        "applications_created",
    }
    assert records_of(document)["ambassadors"] >= {
        "nominations_as_candidate",
        "nominations_as_nominator",
        "outgoing_mail",
    }
    assert records_of(document)["incidents"] >= {"reports", "outgoing_mail"}
    questions = document["services"]["participation"]["bench_questions"]
    assert sorted(q["channel"] for q in questions) == ["email", "web"]
    assert "kursy ruszają we wrześniu" in text  # the answer she was given
    assert "Jestem na urlopie" in text  # the message held for moderation, raw
    assert maria.email not in json.dumps(document["services"]["participation"])
    await events_applied_since(platform, started)
    maria_before = await export_of(platform, maria)
    counted_before = await ground_truth(platform)
    indicators_before = await indicators(platform)

    # Art. 17.
    request = await erased(platform, olena)
    assert {p["service"] for p in request["parts"]} == {
        "participation",
        "grants",
        "ambassadors",
        "incidents",
        "observatory",
        "indicators",
    }
    assert all(p["status"] == "done" for p in request["parts"])
    counts = {p["service"]: p["counts"] for p in request["parts"]}
    assert counts["participation"]["bench_questions_anonymised"] == 2
    assert counts["participation"]["bench_inbound_mail_deleted"] == 2
    assert counts["participation"]["council_attendance_anonymised"] == 1
    assert counts["participation"]["council_mentions_redacted"] >= 1  # the minutes name her
    assert counts["grants"]["organisation_contacts_erased"] == 1
    assert counts["ambassadors"]["nominations_of_them_anonymised"] == 1
    assert counts["ambassadors"]["nominations_by_them_anonymised"] == 1
    assert counts["incidents"]["incident_reports_anonymised"] == 1
    assert counts["incidents"]["incident_history_notes_erased"] == 1  # the note named her

    assert await found_in_tables(platform, olena.needles) == []
    assert await found_in_stream(platform, olena.needles) == []
    assert await found_in_redis(platform, olena.needles) == []
    # Asked again, the export finds nothing of her.
    assert all(not tables for tables in records_of(await export_of(platform, olena)).values())

    # Maria keeps all of hers; on the nominations they share only Olena's side is erased.
    maria_after = await export_of(platform, maria)
    for service in ("participation", "grants"):
        assert _stable(maria_after, service) == _stable(maria_before, service)
    [of_maria] = maria_after["services"]["ambassadors"]["nominations_as_candidate"]
    [by_maria] = maria_after["services"]["ambassadors"]["nominations_as_nominator"]
    assert (of_maria["candidate_name"], of_maria["candidate_email"]) == (maria.name, maria.email)
    assert (of_maria["nominator_name"], of_maria["justification"]) == ("[erased]", "[erased]")
    assert (by_maria["nominator_name"], by_maria["nominator_email"]) == (maria.name, maria.email)
    assert by_maria["candidate_name"] == "[erased]"
    minutes = await platform.runtime.pool("participation").fetchval(
        "select minutes_text from council_meetings where id = $1", uuid.UUID(olena.ids["meeting"])
    )
    assert maria.name in minutes and "[erased] przedstawiła raport" in minutes

    # Every count is as it was.
    await events_applied_since(platform, started)
    assert await ground_truth(platform) == counted_before
    assert await indicators(platform) == indicators_before

    # The event log learns that an erasure happened, with counts and nothing else.
    rows = await platform.runtime.pool("privacy").fetch(
        "select body from outbox where subject = 'okr.privacy.erasure_completed'"
    )
    events = [decode(bytes(r["body"])) for r in rows]
    [completed_event] = [e for e in events if str(e.payload.request_id) == request["id"]]
    assert completed_event.payload.records["participation"] == sum(counts["participation"].values())
    assert set(completed_event.payload.__struct_fields__) == {
        "request_id",
        "requested_at",
        "completed_at",
        "records",
    }

    # The request itself keeps no address once done.
    kept = await platform.runtime.pool("privacy").fetchrow(
        "select email, subject, subject_hash from privacy_requests where id = $1",
        uuid.UUID(request["id"]),
    )
    assert kept["email"] is None and kept["subject"] is None
    assert len(kept["subject_hash"]) == 64 and olena.email not in kept["subject_hash"]

    # A repeated erasure finds nothing more to do.
    again = await erased(platform, olena)
    assert again["id"] != request["id"]
    assert all(p["counts"] == {} for p in again["parts"]), again
    assert await ground_truth(platform) == counted_before


def _stable(document: dict, service: str) -> dict:
    """A service's part of an export, without when mail was sent (the worker may still send)."""
    tables = dict(document["services"][service])
    tables["outgoing_mail"] = [
        {k: v for k, v in m.items() if k != "sent_at"} for m in tables.get("outgoing_mail", [])
    ]
    return tables


async def test_a_part_that_fails_is_retried_until_it_is_done(platform: RunningPlatform) -> None:
    from tests.integration.grants.helpers import new_call
    from tests.integration.privacy.people import with_grants

    nadia = Someone.new("Nadia", "Hrycenko")
    await with_grants(platform, nadia, await new_call(platform))
    pool = platform.runtime.pool("grants")
    # A real obstacle: another transaction holds the organisations table; the grants part waits
    # for its lock timeout, fails, and is retried while the other parts complete.
    async with pool.acquire() as blocker:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("lock table organisations in access exclusive mode")
        try:
            resp = await platform.client.post(
                "/api/privacy/erasures",
                json={"email": nadia.email, "subject": nadia.subject},
                headers=platform.auth("coordinator"),
            )
            assert resp.status_code == 202, resp.text
            request_id = resp.json()["id"]

            async def grants_failed_once() -> dict | None:
                got = (
                    await platform.client.get(
                        f"/api/privacy/erasures/{request_id}",
                        headers=platform.auth("coordinator"),
                    )
                ).json()
                parts = {p["service"]: p for p in got["parts"]}
                return got if parts["grants"]["attempts"] >= 1 else None

            stuck = await eventually(grants_failed_once, timeout=30, what="a failed attempt")
            parts = {p["service"]: p for p in stuck["parts"]}
            assert stuck["status"] == "pending"
            assert parts["grants"]["status"] == "pending"
            assert "LockNotAvailable" in parts["grants"]["last_error"]
            assert nadia.email not in json.dumps(stuck)
        finally:
            await transaction.rollback()

    done = await completed(platform, request_id)
    parts = {p["service"]: p for p in done["parts"]}
    assert parts["grants"]["counts"]["organisation_contacts_erased"] == 1
    assert parts["grants"]["attempts"] >= 2
    # Each of the other parts ran once: a retry never redoes a finished part.
    assert all(p["attempts"] == 1 for s, p in parts.items() if s != "grants")
    assert await found_in_tables(platform, nadia.needles) == []


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-address"},
        {"email": ""},
        {},
        {"email": "x@example.org", "unexpected": True},
        {"email": "x@example.org", "subject": ""},
        {"email": "a\u0000b@example.org"},
    ],
)
async def test_bad_input_is_refused_and_nothing_is_recorded(
    platform: RunningPlatform, body: dict
) -> None:
    pool = platform.runtime.pool("privacy")
    before = await pool.fetchval("select count(*) from privacy_requests")
    for path in ("/api/privacy/erasures", "/api/privacy/exports"):
        resp = await platform.client.post(path, json=body, headers=platform.auth("coordinator"))
        assert resp.status_code in (400, 422), (path, resp.status_code, resp.text)
        assert resp.json()["errors"], resp.text
    assert await pool.fetchval("select count(*) from privacy_requests") == before


async def test_only_the_coordinator_may_export_or_erase(platform: RunningPlatform) -> None:
    body = {"email": "someone@example.org"}
    pool = platform.runtime.pool("privacy")
    before = await pool.fetchval("select count(*) from privacy_requests")
    for role in ("responder", "ngo", "juror", "council_secretary", "evaluator"):
        for path in ("/api/privacy/erasures", "/api/privacy/exports"):
            resp = await platform.client.post(path, json=body, headers=platform.auth(role))
            assert resp.status_code == 403, (role, path, resp.text)
    anonymous = await platform.client.post("/api/privacy/erasures", json=body)
    assert anonymous.status_code == 401
    unknown = await platform.client.get(
        f"/api/privacy/erasures/{uuid.uuid4()}", headers=platform.auth("coordinator")
    )
    assert unknown.status_code == 404
    assert await pool.fetchval("select count(*) from privacy_requests") == before


async def test_asking_twice_while_pending_or_with_the_same_key_is_one_request(
    platform: RunningPlatform,
) -> None:
    who = Someone.new("Taras", "Melnyk")
    headers = {**platform.auth("coordinator"), "Idempotency-Key": f"erase-{uuid.uuid4()}"}
    first = await platform.client.post(
        "/api/privacy/erasures", json={"email": who.email}, headers=headers
    )
    repeat = await platform.client.post(
        "/api/privacy/erasures", json={"email": who.email.upper()}, headers=headers
    )
    assert first.status_code == repeat.status_code == 202
    assert repeat.headers.get("Idempotent-Replayed") == "true"
    assert repeat.json()["id"] == first.json()["id"]
    await completed(platform, first.json()["id"])
    keys = await platform.runtime.pool("privacy").fetch(
        "select fingerprint, body from idempotency_keys where key = $1",
        headers["Idempotency-Key"],
    )
    assert keys and all(
        who.email not in (k["fingerprint"] + bytes(k["body"]).decode()) for k in keys
    )


async def test_the_services_keep_working_on_what_an_erasure_left(platform: RunningPlatform) -> None:
    from tests.integration.bench.bench_helpers import ask, new_edition
    from tests.integration.grants.helpers import new_call

    who = Someone.new("Pavlo", "Shevchuk")
    edition = await new_edition(platform)
    question = await ask(platform, edition["id"], email=who.email, name=who.name)
    # Erased as the contact of an organisation only (no subject): the NGO still acts.
    await with_grants(platform, who, await new_call(platform))
    application = await platform.runtime.pool("grants").fetchval(
        "select id from applications where organisation_id = $1", uuid.UUID(who.ids["organisation"])
    )
    resp = await platform.client.post(
        "/api/privacy/erasures", json={"email": who.email}, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 202, resp.text
    await completed(platform, resp.json()["id"])

    # The question is still answered (nobody to tell), the application still checked (its
    # notice to the erased contact is dropped, not queued to a made-up address).
    answered = await platform.client.post(
        f"/api/bench/questions/{question['id']}/answer",
        json={
            "text": "Odpowiedź na pytanie, którego autor poprosił o usunięcie danych.",
            "language": "pl",
        },
        headers=platform.auth("coordinator"),
    )
    assert answered.status_code == 200, answered.text
    checked = await platform.client.post(
        f"/api/grants/applications/{application}/formal-check",
        json={"eligible": False, "reason": "Brak statutu organizacji."},
        headers=platform.auth("coordinator"),
    )
    assert checked.status_code == 200, checked.text
    for schema in ("participation", "grants"):
        assert (
            await platform.runtime.pool(schema).fetchval(
                "select count(*) from outgoing_mail where recipient = 'erased@erased.invalid'"
            )
            == 0
        )
    status = await platform.client.get(
        f"/api/bench/questions/{question['reference']}?token={question['tracking_token']}"
    )
    unknown = await platform.client.get(f"/api/bench/questions/LD-1999-1-1?token={'x' * 20}")
    # The tracking link died with the erasure: answered as for a reference that never existed.
    assert status.status_code == unknown.status_code and status.status_code in (403, 404)
    assert await found_in_tables(platform, [who.email, who.name]) == []
