"""Coordinator and responders: merging duplicates, deadlines, live answers, and what is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.participation.bench import scheduled
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import (
    ask,
    body_text,
    events_of,
    mail_arrives,
    new_edition,
    question_body,
)


async def test_merged_duplicates_are_answered_once_and_each_asker_gets_the_answer(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    coordinator = platform.auth("coordinator")
    first = await ask(
        platform,
        edition["id"],
        email="first.asker@example.org",
        language="pl",
        text="Kiedy będzie więcej lekcji polskiego dla dzieci z Ukrainy w szkołach?",
    )
    second = await ask(
        platform,
        edition["id"],
        email="second.asker@example.org",
        language="uk",
        text="Kiedy będzie więcej lekcji polskiego dla dzieci z Ukrainy?",
    )

    async def suggested() -> bool:
        detail = await platform.client.get(
            f"/api/bench/questions/{second['id']}/detail", headers=coordinator
        )
        return first["id"] in {d["id"] for d in detail.json()["likely_duplicates"]}

    # Suggestions come from a job run just after the question is stored.
    await eventually(suggested, what="the first question suggested as a likely duplicate")

    merged = await platform.client.post(
        f"/api/bench/questions/{second['id']}/moderation",
        json={"decision": "merged", "merged_into": first["id"]},
        headers=coordinator,
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "merged"
    into_itself = await platform.client.post(
        f"/api/bench/questions/{first['id']}/moderation",
        json={"decision": "merged", "merged_into": first["id"]},
        headers=coordinator,
    )
    assert into_itself.status_code == 409

    text = (
        "Od września każda szkoła z uczniami z Ukrainy dostanie dodatkowe godziny języka polskiego."
    )
    resp = await platform.client.post(
        f"/api/bench/questions/{first['id']}/answer",
        json={"text": text, "language": "pl"},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    assert set(resp.json()["questions"]) == {first["id"], second["id"]}
    for address in ("first.asker@example.org", "second.asker@example.org"):
        assert text in body_text((await mail_arrives(platform, address, count=2))[-1])
    assert (
        len(await events_of(platform, "bench.question_answered", "question_id", second["id"])) == 1
    )
    moderated = await events_of(platform, "bench.question_moderated", "question_id", second["id"])
    assert moderated[0]["decision"] == "merged" and moderated[0]["merged_into"] == first["id"]

    again = await platform.client.post(
        f"/api/bench/questions/{first['id']}/answer",
        json={"text": text, "language": "pl"},
        headers=coordinator,
    )
    assert again.status_code == 409


async def test_overdue_questions_are_flagged_once_listed_first_and_staff_reminded(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform, coordinator_email="koordynator@krakow.example")
    coordinator = platform.auth("coordinator")
    fresh = await ask(platform, edition["id"])
    late = await ask(
        platform,
        edition["id"],
        text="Czy w Nowej Hucie powstanie nowa przychodnia dla dzieci?",
        topic="health_care",
    )
    await platform.client.post(
        f"/api/bench/questions/{late['id']}/assignment",
        json={
            "responder": "resp-health",
            "department": "Wydział Polityki Społecznej i Zdrowia",
            "responder_email": "zdrowie@krakow.example",
        },
        headers=coordinator,
    )
    await platform.runtime.pool("participation").execute(
        "update bench_questions set due_at = now() - interval '1 day' where id = $1",
        uuid.UUID(late["id"]),
    )
    await scheduled.bench_flag_overdue({"runtime": platform.runtime})
    await scheduled.bench_flag_overdue({"runtime": platform.runtime})  # idempotent

    assert len(await events_of(platform, "bench.question_overdue", "question_id", late["id"])) == 1
    queue = (
        await platform.client.get(
            f"/api/bench/editions/{edition['id']}/questions", headers=coordinator
        )
    ).json()["items"]
    assert [q["id"] for q in queue][:2] == [late["id"], fresh["id"]]
    assert queue[0]["overdue"] is True
    # However often the job ran: the responder has the mail that assigned the question and one
    # reminder of the ladder; the session's coordinator one mail saying it is overdue.
    reference = f"[{late['reference']}]"
    responder = [
        str(m["Subject"])
        for m in await mail_arrives(platform, "zdrowie@krakow.example", count=2)
        if reference in str(m["Subject"])
    ]
    assert len(responder) == 2, responder
    assert sum("Przypomnienie" in subject for subject in responder) == 1, responder
    coordinator_mail = [
        str(m["Subject"])
        for m in await mail_arrives(platform, "koordynator@krakow.example")
        if reference in str(m["Subject"])
    ]
    assert len(coordinator_mail) == 1, coordinator_mail


async def test_a_question_asked_in_the_room_is_answered_live_and_still_gets_a_written_answer(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    coordinator = platform.auth("coordinator")
    on_stage = datetime.now(UTC).isoformat()
    resp = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/entered-questions",
        json={
            **question_body(email="room.asker@example.org"),
            "channel": "live",
            "answered_live_at": on_stage,
        },
        headers=coordinator,
    )
    assert resp.status_code == 201, resp.text
    qid = resp.json()["id"]
    assert len(await events_of(platform, "bench.question_answered_live", "question_id", qid)) == 1
    received = await events_of(platform, "bench.question_received", "question_id", qid)
    assert received[0]["channel"] == "live"
    twice = await platform.client.post(
        f"/api/bench/questions/{qid}/answered-live", json={}, headers=coordinator
    )
    assert twice.status_code == 409
    await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": "Відповідь письмово після зустрічі.", "language": "uk"},
        headers=coordinator,
    )
    answer_mail = (await mail_arrives(platform, "room.asker@example.org", count=2))[-1]
    assert "під час зустрічі" in body_text(answer_mail)


async def test_edition_submissions_close_reopen_and_the_edition_is_held(
    platform: RunningPlatform,
) -> None:
    today = datetime.now(UTC).date().isoformat()
    edition = await new_edition(platform, held_on=today)
    coordinator = platform.auth("coordinator")
    closed = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/submissions/close", headers=coordinator
    )
    assert closed.json()["status"] == "closed"
    refused = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/questions", json=question_body()
    )
    assert refused.status_code == 409
    assert "no more questions" in refused.json()["detail"]
    reopened = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/submissions/open", headers=coordinator
    )
    assert reopened.json()["status"] == "open"
    held = await platform.client.post(
        f"/api/bench/editions/{edition['id']}/held", headers=coordinator
    )
    assert held.json()["status"] == "held"
    assert (
        await platform.client.post(f"/api/bench/editions/{edition['id']}/held", headers=coordinator)
    ).status_code == 409
    assert len(await events_of(platform, "bench.edition_held", "edition_id", edition["id"])) == 1
    assert (
        len(
            await events_of(
                platform, "bench.edition_submissions_closed", "edition_id", edition["id"]
            )
        )
        == 2
    )


async def test_bad_requests_are_refused_with_reasons_and_nothing_is_stored(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    url = f"/api/bench/editions/{edition['id']}/questions"
    pool = platform.runtime.pool("participation")
    before = await pool.fetchval(
        "select count(*) from bench_questions where edition_id = $1", uuid.UUID(edition["id"])
    )

    no_consent = await platform.client.post(url, json=question_body(consent=False))
    assert no_consent.status_code == 422 and no_consent.json()["errors"][0]["field"] == "consent"
    short = await platform.client.post(url, json=question_body(text="short"))
    assert short.status_code in (400, 422) and "text" in short.text
    unknown = await platform.client.post(url, json={**question_body(), "priority": "high"})
    assert unknown.status_code in (400, 422) and "priority" in unknown.text
    bad_topic = await platform.client.post(url, json=question_body(topic="parking"))
    assert bad_topic.status_code in (400, 422)
    missing = await platform.client.post(
        f"/api/bench/editions/{uuid.uuid4()}/questions", json=question_body()
    )
    assert missing.status_code == 404
    assert (
        await pool.fetchval(
            "select count(*) from bench_questions where edition_id = $1", uuid.UUID(edition["id"])
        )
        == before
    )

    created = await ask(platform, edition["id"])
    answer_url = f"/api/bench/questions/{created['id']}/answer"
    body = {"text": "An answer in a language the asker did not use.", "language": "en"}
    assert (await platform.client.post(answer_url, json=body)).status_code == 401
    assert (
        await platform.client.post(answer_url, json=body, headers=platform.auth("evaluator"))
    ).status_code == 403
    assert (
        await platform.client.post(answer_url, json=body, headers=platform.auth("responder"))
    ).status_code == 403
    wrong_language = await platform.client.post(
        answer_url, json=body, headers=platform.auth("coordinator")
    )
    assert wrong_language.status_code == 422 and "language" in wrong_language.text
    assert (
        await platform.client.get(f"/api/bench/editions/{edition['id']}/questions")
    ).status_code == 401
    reject_without_reason = await platform.client.post(
        f"/api/bench/questions/{created['id']}/moderation",
        json={"decision": "rejected"},
        headers=platform.auth("coordinator"),
    )
    assert reject_without_reason.status_code == 422
    past = await platform.client.post(
        "/api/bench/editions",
        json={
            "title": "x",
            "held_on": "2025-01-01",
            "venue": "v",
            "audience": "a",
            "submissions_close_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
        headers=platform.auth("coordinator"),
    )
    assert past.status_code in (400, 422)


async def test_tracking_does_not_tell_a_wrong_token_from_an_unknown_reference(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    created = await ask(platform, edition["id"])
    wrong = await platform.client.get(
        f"/api/bench/questions/{created['reference']}", params={"token": "x" * 32}
    )
    unknown = await platform.client.get(
        "/api/bench/questions/LD-1999-01-0001", params={"token": "x" * 32}
    )
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json()["detail"] == unknown.json()["detail"]
    page_wrong = await platform.client.get(
        "/bench/track", params={"reference": created["reference"], "token": "x" * 32}
    )
    page_unknown = await platform.client.get(
        "/bench/track", params={"reference": "LD-1999-01-0001", "token": "x" * 32}
    )
    assert page_wrong.status_code == page_unknown.status_code == 200
    assert page_wrong.text.replace(created["reference"], "REF") == page_unknown.text.replace(
        "LD-1999-01-0001", "REF"
    )


async def test_duplicate_suggestions_lost_with_their_job_are_made_by_the_sweep(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    coordinator = platform.auth("coordinator")
    text = "Czy w urzędzie dzielnicy można załatwić sprawy po ukraińsku lub po angielsku?"
    first = await ask(platform, edition["id"], text=text)
    second = await ask(platform, edition["id"], text=text.replace("Czy w", "Czy"))
    pool = platform.runtime.pool("participation")

    async def checked() -> bool:
        return await pool.fetchval(
            "select count(*) = 2 from bench_questions where edition_id = $1 "
            "and duplicates_checked_at is not null",
            uuid.UUID(edition["id"]),
        )

    await eventually(checked, what="both questions looked at by the batch job")
    # As if the job had been lost with Redis: unchecked, no suggestions, a minute old.
    await pool.execute(
        "update bench_questions set duplicates_checked_at = null, "
        "received_at = received_at - interval '1 minute' where edition_id = $1",
        uuid.UUID(edition["id"]),
    )
    await pool.execute(
        "delete from bench_duplicate_suggestions where question_id = any($1::uuid[])",
        [uuid.UUID(first["id"]), uuid.UUID(second["id"])],
    )
    assert await scheduled.bench_sweep_duplicate_checks({"runtime": platform.runtime}) >= 2
    assert await checked()
    detail = await platform.client.get(
        f"/api/bench/questions/{second['id']}/detail", headers=coordinator
    )
    assert first["id"] in {d["id"] for d in detail.json()["likely_duplicates"]}
    assert await scheduled.bench_sweep_duplicate_checks({"runtime": platform.runtime}) == 0
