"""The life of a question: asked, acknowledged, moderated, routed, answered, delivered, counted."""

from __future__ import annotations

import uuid

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import (
    ask,
    body_text,
    events_of,
    mail_arrives,
    new_edition,
)


async def test_a_web_question_is_acknowledged_routed_answered_and_delivered(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    coordinator = platform.auth("coordinator")
    responder = platform.auth("responder", subject="resp-education-1")
    created = await ask(platform, edition["id"], email="olena.k@example.org", language="uk")

    ack = (await mail_arrives(platform, "olena.k@example.org"))[0]
    assert created["reference"] in str(ack["Subject"])
    text = body_text(ack)
    assert "Номер звернення" in text or created["reference"] in text
    assert (
        f"/bench/track?reference={created['reference']}&token={created['tracking_token']}" in text
    )

    qid = created["id"]
    accepted = await platform.client.post(
        f"/api/bench/questions/{qid}/moderation", json={"decision": "accepted"}, headers=coordinator
    )
    assert accepted.status_code == 200, accepted.text
    routed = await platform.client.post(
        f"/api/bench/questions/{qid}/assignment",
        json={"responder": "resp-education-1", "department": "Wydział Edukacji"},
        headers=coordinator,
    )
    assert routed.json()["status"] == "assigned"

    mine = await platform.client.get(
        f"/api/bench/editions/{edition['id']}/questions?assigned_to=me", headers=responder
    )
    assert [q["reference"] for q in mine.json()["items"]] == [created["reference"]]

    other_responder = platform.auth("responder", subject="resp-housing-9")
    refused = await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": "Відповідь від іншого відділу.", "language": "uk"},
        headers=other_responder,
    )
    assert refused.status_code == 403

    answer = "Від вересня у школах будуть додаткові уроки польської мови для дітей з України."
    resp = await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": answer, "language": "uk"},
        headers=responder,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "answered"

    answered_mail = (await mail_arrives(platform, "olena.k@example.org", count=2))[-1]
    assert answer in body_text(answered_mail)
    assert str(ack["Message-ID"]) in str(answered_mail["References"])

    async def delivered() -> list[dict]:
        return await events_of(platform, "bench.answer_delivered", "question_id", qid)

    await eventually(delivered, what="the answer's delivery to be recorded")
    tracked = await platform.client.get(
        f"/api/bench/questions/{created['reference']}", params={"token": created["tracking_token"]}
    )
    assert tracked.json()["status"] == "answered"
    assert tracked.json()["answer"]["text"] == answer
    for event_type in (
        "bench.question_received",
        "bench.question_moderated",
        "bench.question_assigned",
        "bench.question_answered",
    ):
        assert len(await events_of(platform, event_type, "question_id", qid)) == 1, event_type


async def test_an_answer_without_an_address_is_delivered_when_the_asker_reads_it(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    created = await ask(platform, edition["id"], email=None, consent=False)
    await platform.client.post(
        f"/api/bench/questions/{created['id']}/answer",
        json={"text": "Відповідь українською мовою.", "language": "uk"},
        headers=platform.auth("coordinator"),
    )
    assert await events_of(platform, "bench.answer_delivered", "question_id", created["id"]) == []
    for _ in range(2):
        tracked = await platform.client.get(
            f"/api/bench/questions/{created['reference']}",
            params={"token": created["tracking_token"]},
        )
        assert tracked.status_code == 200
    assert (
        len(await events_of(platform, "bench.answer_delivered", "question_id", created["id"])) == 1
    )


async def test_a_mail_server_that_is_down_delays_the_answer_and_never_loses_it(
    platform: RunningPlatform,
) -> None:
    from services.participation.bench import scheduled
    from shared.mail import MailSender
    from tests.helpers.server import free_port

    edition = await new_edition(platform)
    created = await ask(platform, edition["id"], email="patient.asker@example.org", language="pl")
    await mail_arrives(platform, "patient.asker@example.org")
    working = platform.runtime.mailer
    platform.runtime.mailer = MailSender(
        f"smtp://127.0.0.1:{free_port()}", platform.settings.mail_dir, platform.settings.mail_from
    )
    pool = platform.runtime.pool("participation")
    try:
        resp = await platform.client.post(
            f"/api/bench/questions/{created['id']}/answer",
            json={"text": "Odpowiedź, która poczeka na serwer poczty.", "language": "pl"},
            headers=platform.auth("coordinator"),
        )
        assert resp.status_code == 200

        async def attempted() -> bool:
            return bool(
                await pool.fetchval(
                    "select m.attempts > 0 from bench_answers a join outgoing_mail m on m.id = a.mail_id where a.question_id = $1",
                    uuid.UUID(created["id"]),
                )
            )

        await eventually(attempted, what="a failed sending attempt")
        assert (
            await events_of(platform, "bench.answer_delivered", "question_id", created["id"]) == []
        )
    finally:
        platform.runtime.mailer = working
    answer_id = await pool.fetchval(
        "select id from bench_answers where question_id = $1", uuid.UUID(created["id"])
    )
    try:
        await scheduled.bench_deliver_answer({"runtime": platform.runtime}, str(answer_id))
    except Exception:  # noqa: BLE001 - the worker's own retry may hold the row right now
        pass

    async def delivered() -> list[dict]:
        return await events_of(platform, "bench.answer_delivered", "question_id", created["id"])

    assert (
        len(await eventually(delivered, timeout=20, what="delivery after the server is back")) == 1
    )
    assert "poczeka na serwer" in body_text(
        (await mail_arrives(platform, "patient.asker@example.org", count=2))[-1]
    )
