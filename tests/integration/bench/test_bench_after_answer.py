"""A reply from the asker after the answer reopens the question as `follow_up` and tells its
responder; a second answer goes in the same thread (issue 16 part 4)."""

from __future__ import annotations

from email.message import EmailMessage

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import (
    ask,
    body_text,
    mail_arrives,
    mails_to,
    new_edition,
    send_mail_async,
)


async def _answered(platform: RunningPlatform, asker: str, responder_email: str | None) -> tuple:
    edition = await new_edition(platform)
    coordinator = platform.auth("coordinator")
    responder = platform.auth("responder", subject="resp-work-7")
    created = await ask(platform, edition["id"], email=asker, language="uk", topic="work")
    await mail_arrives(platform, asker)
    qid = created["id"]
    ok = await platform.client.post(
        f"/api/bench/questions/{qid}/moderation", json={"decision": "accepted"}, headers=coordinator
    )
    assert ok.status_code == 200, ok.text
    body = {"responder": "resp-work-7", "department": "Wydział Spraw Społecznych"}
    if responder_email:
        body["responder_email"] = responder_email
    ok = await platform.client.post(
        f"/api/bench/questions/{qid}/assignment", json=body, headers=coordinator
    )
    assert ok.status_code == 200, ok.text
    ok = await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": "Зверніться до Повітового бюро праці.", "language": "uk"},
        headers=responder,
    )
    assert ok.status_code == 200, ok.text
    answer_mail = (await mail_arrives(platform, asker, count=2))[-1]
    return qid, answer_mail, responder


async def _reply(platform: RunningPlatform, asker: str, to_mail: EmailMessage, text: str) -> None:
    reply = EmailMessage()
    reply["From"], reply["To"] = asker, f"bench@{platform.settings.intake_domain}"
    reply["Subject"] = f"Re: {to_mail['Subject']}"
    reply["In-Reply-To"] = str(to_mail["Message-ID"])
    reply["References"] = str(to_mail["Message-ID"])
    reply.set_content(text)
    await send_mail_async(platform, reply.as_bytes(), sender=asker, rcpt=str(reply["To"]))


async def _detail(platform: RunningPlatform, qid: str) -> dict:
    resp = await platform.client.get(
        f"/api/bench/questions/{qid}/detail", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_reply_after_the_answer_reopens_notifies_and_a_second_answer_closes(
    platform: RunningPlatform,
) -> None:
    asker, staff = "petro.m@example.org", "resp.work7@krakow.example"
    qid, answer_mail, responder = await _answered(platform, asker, staff)
    await mail_arrives(platform, staff)  # the assignment

    await _reply(platform, asker, answer_mail, "Дякую, а де саме знаходиться це бюро?")

    async def reopened() -> dict | None:
        detail = await _detail(platform, qid)
        return detail if detail["status"] == "follow_up" else None

    detail = await eventually(reopened, what="the question reopened as follow_up")
    assert any(h["event"] == "followup" for h in detail["history"])
    notice = (await mail_arrives(platform, staff, count=2))[-1]
    text = body_text(notice)
    assert "Osoba pytająca napisała ponownie" in str(notice["Subject"])
    assert "/auth/" in text or "token" in text  # a sign-in link

    second = await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": "Бюро знаходиться на вул. Ґенерала Голуховського 5.", "language": "uk"},
        headers=responder,
    )
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "answered"
    again = (await mail_arrives(platform, asker, count=3))[-1]
    assert "Голуховського" in body_text(again)
    assert str(answer_mail["Message-ID"]) in str(again["References"])
    detail = await _detail(platform, qid)
    assert detail["status"] == "answered"
    assert len(detail["answers"]) == 2
    assert [h["event"] for h in detail["history"]].count("answered") == 2

    # Answered again: a third answer is refused as before.
    third = await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": "Ще одна відповідь на те саме запитання.", "language": "uk"},
        headers=responder,
    )
    assert third.status_code == 409


async def test_without_a_responder_address_the_question_reopens_and_nobody_is_mailed(
    platform: RunningPlatform,
) -> None:
    asker = "oksana.v@example.org"
    qid, answer_mail, _ = await _answered(platform, asker, None)
    await _reply(platform, asker, answer_mail, "Дякую за відповідь, все зрозуміло.")

    async def reopened() -> dict | None:
        detail = await _detail(platform, qid)
        return detail if detail["status"] == "follow_up" else None

    await eventually(reopened, what="the question reopened as follow_up")
    # No responder address: nobody to mail, nothing else sent to the asker.
    assert len(mails_to(platform, asker)) == 2
