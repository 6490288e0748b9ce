"""Questions by e-mail over a real SMTP connection: charsets, MIME shapes, threads, refusals."""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import make_msgid

import pytest

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import (
    body_text,
    mail_arrives,
    new_edition,
    send_mail_async,
)


def _sender() -> str:
    return f"resident-{uuid.uuid4().hex[:8]}@example.net"


async def _question_of(platform: RunningPlatform, edition_id: str, sender: str) -> dict:
    pool = platform.runtime.pool("participation")

    async def probe() -> dict | None:
        row = await pool.fetchrow(
            "select * from bench_questions where edition_id = $1 and asker_email = $2",
            uuid.UUID(edition_id),
            sender,
        )
        return dict(row) if row else None

    return await eventually(probe, what=f"a question from {sender}")


QUESTIONS = {
    "utf-8": ("Коли в школах буде більше уроків польської мови для дітей?", "uk"),
    "iso-8859-2": ("Gdzie mogę złożyć wniosek o kartę pobytu dla żony?", "pl"),
    "windows-1250": ("Czy miasto planuje więcej kursów języka polskiego dla dorosłych?", "pl"),
    "koi8-u": ("Де можна отримати довідку для дитячого садочка у Кракові?", "uk"),
}


@pytest.mark.parametrize("charset", list(QUESTIONS))
async def test_a_plain_mail_in_each_charset_becomes_a_question_and_is_acknowledged(
    platform: RunningPlatform, charset: str
) -> None:
    edition = await new_edition(platform)
    sender = _sender()
    text, language = QUESTIONS[charset]
    msg = MIMEText(f"{text}\n\n-- \nJan\n", "plain", charset)
    msg["From"] = sender
    msg["To"] = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    msg["Subject"] = "Pytanie"
    msg["Message-ID"] = make_msgid(domain="example.net")
    await send_mail_async(platform, msg.as_bytes(), sender=sender, rcpt=str(msg["To"]))

    question = await _question_of(platform, edition["id"], sender)
    assert question["text"] == text
    assert question["language"] == language
    assert question["channel"] == "email"
    ack = (await mail_arrives(platform, sender))[0]
    assert question["reference"] in str(ack["Subject"])
    assert str(ack["In-Reply-To"]) == str(msg["Message-ID"])


async def test_an_html_only_mail_and_a_multipart_mail_become_text_questions(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    html_sender, multi_sender = _sender(), _sender()

    html = EmailMessage()
    html["From"], html["To"], html["Subject"] = html_sender, to, "Question"
    html.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>When will the tram stop on Józefińska be rebuilt?</p>"
        "<div class='gmail_quote'><blockquote>Earlier message</blockquote></div></body></html>",
        subtype="html",
    )
    await send_mail_async(platform, html.as_bytes(), sender=html_sender, rcpt=to)
    assert (await _question_of(platform, edition["id"], html_sender))[
        "text"
    ] == "When will the tram stop on Józefińska be rebuilt?"

    multi = MIMEMultipart("mixed")
    multi["From"], multi["To"], multi["Subject"] = multi_sender, to, "Pytanie o mieszkanie"
    alternative = MIMEMultipart("alternative")
    alternative.attach(
        MIMEText(
            "Jak dostać mieszkanie komunalne w Krakowie?\n\nW dniu 1.09 Jan napisał(a):\n> stare",
            "plain",
            "utf-8",
        )
    )
    alternative.attach(
        MIMEText("<p>Jak dostać mieszkanie komunalne w Krakowie?</p>", "html", "utf-8")
    )
    multi.attach(alternative)
    attachment = MIMEText("secret scan", "plain", "utf-8")
    attachment.add_header("Content-Disposition", "attachment", filename="paszport.txt")
    multi.attach(attachment)
    await send_mail_async(platform, multi.as_bytes(), sender=multi_sender, rcpt=to)
    question = await _question_of(platform, edition["id"], multi_sender)
    assert question["text"] == "Jak dostać mieszkanie komunalne w Krakowie?"
    assert question["topic"] == "housing"
    stored = await platform.runtime.pool("participation").fetchrow(
        "select raw, detail from bench_inbound_mail where question_id = $1", question["id"]
    )
    assert stored["raw"] is None  # attachments and the raw copy are not kept
    assert "attachment" in stored["detail"]


async def test_a_reply_in_the_acknowledged_thread_is_attached_to_its_question(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    sender = _sender()
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    first = EmailMessage()
    first["From"], first["To"], first["Subject"] = sender, to, "Praca"
    first["Message-ID"] = make_msgid(domain="example.net")
    first.set_content("Gdzie szukać pracy jako pielęgniarka z dyplomem z Ukrainy?")
    await send_mail_async(platform, first.as_bytes(), sender=sender, rcpt=to)
    question = await _question_of(platform, edition["id"], sender)
    ack = (await mail_arrives(platform, sender))[0]

    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = (
        sender,
        f"bench@{platform.settings.intake_domain}",
        f"Re: {ack['Subject']}",
    )
    reply["In-Reply-To"] = str(ack["Message-ID"])
    reply["References"] = f"{first['Message-ID']} {ack['Message-ID']}"
    reply.set_content(
        f"Mam dyplom z Lwowa z 2015 roku.\n\nOn Mon, Bench wrote:\n> {body_text(ack).splitlines()[0]}\n"
    )
    await send_mail_async(platform, reply.as_bytes(), sender=sender, rcpt=str(reply["To"]))

    pool = platform.runtime.pool("participation")

    async def followup() -> str | None:
        return await pool.fetchval(
            "select text from bench_followups where question_id = $1", question["id"]
        )

    assert (
        await eventually(followup, what="the reply attached") == "Mam dyplom z Lwowa z 2015 roku."
    )
    assert (
        await pool.fetchval("select count(*) from bench_questions where asker_email = $1", sender)
        == 1
    )


async def test_oversized_mail_is_refused_at_data_with_552(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    sender = _sender()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        sender,
        f"bench+{edition['id']}@{platform.settings.intake_domain}",
        "Big",
    )
    msg.set_content(
        "Pytanie o szkołę dla dziecka.\n" + ("x" * 70 + "\n") * (11 * 1024 * 1024 // 71)
    )
    raw = msg.as_bytes().replace(b"\n", b"\r\n")

    def send_without_size_declaration() -> tuple[int, bytes]:
        # No SIZE= at MAIL FROM (smtplib would declare it and be refused early): the limit
        # must hold at DATA too, for clients that do not declare a size.
        with smtplib.SMTP(
            platform.settings.smtp_intake_host, platform.settings.smtp_intake_port, timeout=30
        ) as client:
            client.ehlo()
            client.mail(sender)
            client.rcpt(str(msg["To"]))
            return client.data(raw)  # (code, reply) of the end of DATA

    code, _ = await asyncio.to_thread(send_without_size_declaration)
    assert code == 552
    with pytest.raises(smtplib.SMTPSenderRefused) as declared:
        await send_mail_async(platform, raw, sender=sender, rcpt=str(msg["To"]))
    assert declared.value.smtp_code == 552
    count = await platform.runtime.pool("participation").fetchval(
        "select count(*) from bench_inbound_mail where mail_from = $1", sender
    )
    assert count == 0


async def test_mail_to_an_unknown_mailbox_is_refused(platform: RunningPlatform) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send_mail_async(
            platform,
            b"Subject: x\r\n\r\nhello",
            sender=_sender(),
            rcpt=f"mayor@{platform.settings.intake_domain}",
        )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"Subject: Pytanie\r\nFrom: {sender}\r\n\r\n\r\n-- \r\nJan\r\n", "empty"),
        (
            b"From: {sender}\r\nSubject: Hi\r\nAuto-Submitted: auto-replied\r\n\r\nI am out of office until Monday, thanks.",
            "automatic",
        ),
        (b"From: {sender}\r\nSubject: cheap\r\n\r\n" + b"http://spam.example/ " * 8, "abusive"),
    ],
)
async def test_empty_automatic_or_abusive_mail_goes_to_moderation_not_to_the_queue(
    platform: RunningPlatform, raw: bytes, reason: str
) -> None:
    edition = await new_edition(platform)
    sender = _sender()
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    await send_mail_async(
        platform, raw.replace(b"{sender}", sender.encode()), sender=sender, rcpt=to
    )
    pool = platform.runtime.pool("participation")

    async def held() -> dict | None:
        row = await pool.fetchrow("select * from bench_inbound_mail where mail_from = $1", sender)
        return dict(row) if row and row["status"] == "moderation" else None

    row = await eventually(held, what="the message held for moderation")
    assert row["reason"] == reason
    assert row["raw"] is not None
    assert (
        await pool.fetchval("select count(*) from bench_questions where asker_email = $1", sender)
        == 0
    )
    assert mails_sent_to(platform, sender) == 0

    coordinator = platform.auth("coordinator")
    listed = await platform.client.get("/api/bench/inbound-mail?limit=500", headers=coordinator)
    assert str(row["id"]) in {item["id"] for item in listed.json()["items"]}
    resolved = await platform.client.post(
        f"/api/bench/inbound-mail/{row['id']}/resolution",
        json={"action": "discard", "reason": "nothing to answer"},
        headers=coordinator,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "discarded"
    again = await platform.client.post(
        f"/api/bench/inbound-mail/{row['id']}/resolution",
        json={"action": "discard", "reason": "twice"},
        headers=coordinator,
    )
    assert again.status_code == 409


def mails_sent_to(platform: RunningPlatform, address: str) -> int:
    from tests.integration.bench.bench_helpers import mails_to

    return len(mails_to(platform, address))


async def test_unreadable_mail_is_kept_and_a_coordinator_makes_it_a_question(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    sender = _sender()
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    await send_mail_async(platform, b"\x00\x01 not a message at all", sender=sender, rcpt=to)
    pool = platform.runtime.pool("participation")

    async def held() -> dict | None:
        row = await pool.fetchrow("select * from bench_inbound_mail where mail_from = $1", sender)
        return dict(row) if row and row["status"] == "moderation" else None

    row = await eventually(held, what="the message held for moderation")
    resolved = await platform.client.post(
        f"/api/bench/inbound-mail/{row['id']}/resolution",
        json={
            "action": "question",
            "edition_id": edition["id"],
            "text": "Pytanie odczytane przez koordynatora.",
            "topic": "other",
            "language": "pl",
        },
        headers=platform.auth("coordinator"),
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["question_id"] is not None


async def test_a_message_sent_again_after_a_lost_reply_is_one_question(
    platform: RunningPlatform,
) -> None:
    """A sending server that did not hear our 250 after DATA delivers the same bytes again."""
    edition = await new_edition(platform)
    sender = _sender()
    msg = MIMEText("Czy mogę zapisać się na kurs polskiego w trakcie semestru?", "plain", "utf-8")
    msg["From"] = sender
    msg["To"] = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    msg["Subject"] = "Kurs"
    msg["Message-ID"] = make_msgid(domain="example.net")
    raw = msg.as_bytes().replace(b"\n", b"\r\n")

    def deliver() -> tuple[int, bytes]:
        with smtplib.SMTP(
            platform.settings.smtp_intake_host, platform.settings.smtp_intake_port, timeout=10
        ) as client:
            client.ehlo()
            client.mail(sender)
            client.rcpt(str(msg["To"]))
            return client.data(raw)

    first = await asyncio.to_thread(deliver)
    again = await asyncio.to_thread(deliver)
    assert first[0] == again[0] == 250
    assert b"queued as" in first[1] and first[1] == again[1]  # the first copy's id, twice
    await _question_of(platform, edition["id"], sender)
    await mail_arrives(platform, sender)
    pool = platform.runtime.pool("participation")
    assert (
        await pool.fetchval(
            "select count(*) from bench_questions where edition_id = $1",
            uuid.UUID(edition["id"]),
        )
        == 1
    )
    assert (
        await pool.fetchval("select count(*) from bench_inbound_mail where mail_from = $1", sender)
        == 1
    )
    # Each delivery is stored and processed before its 250 (the acknowledgement is queued in
    # the same transaction as the question): both have answered, so the queue is final.
    assert (
        await pool.fetchval("select count(*) from outgoing_mail where recipient = $1", sender) == 1
    )
    assert len(await mail_arrives(platform, sender)) == 1  # acknowledged once
