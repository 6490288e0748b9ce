"""The Bench's SMTP intake against a hostile sender (issue 15, items 4, 5 and 6).

- A large mail is read off the event loop: while a 9 MiB message is parsed, the process keeps
  answering (the loop is never held for long, /health answers).
- The acknowledgement's address (From/Reply-To, which anyone can write) counts toward its
  per-address limit, whatever envelope sender or server the mail came from.
- A reply joins a question's thread only when it comes from the asker: someone else's mail
  naming the asker's Message-ID becomes a mail of its own, and staff see who wrote each
  follow-up.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, limited_platform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import (
    mail_arrives,
    new_edition,
    send_mail_async,
)
from tests.integration.bench.test_bench_staff_pages import signed_in

SCHEMA = "participation"


def _mail(sender: str, to: str, text: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, headers.pop("Subject", "Pytanie")
    msg["Message-ID"] = make_msgid(domain="example.net")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


async def _inbound(platform: RunningPlatform, message_id: str) -> dict:
    pool = platform.runtime.pool(SCHEMA)

    async def settled() -> dict | None:
        row = await pool.fetchrow(
            "select status, reason, question_id from bench_inbound_mail where message_id = $1",
            message_id,
        )
        return dict(row) if row and row["status"] != "received" else None

    return await eventually(settled, timeout=60, what=f"inbound {message_id} processed")


async def test_a_large_mail_does_not_hold_the_event_loop(platform: RunningPlatform) -> None:
    edition = await new_edition(platform)
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    line = "Prosze o informacje w sprawie kursow jezyka polskiego dla doroslych.\n"
    big = _mail(
        f"big-{uuid.uuid4().hex[:8]}@example.net", to, line * (9 * 1024 * 1024 // len(line))
    )
    raw = big.as_bytes()
    assert 8 * 1024 * 1024 < len(raw) < 10 * 1024 * 1024

    gaps: list[float] = []
    health: list[float] = []
    pool = platform.runtime.pool(SCHEMA)
    sending = asyncio.ensure_future(
        send_mail_async(platform, raw, sender=str(big["From"]), rcpt=to)
    )
    stored = False
    last = time.monotonic()
    while not sending.done():
        # The test shares the platform's event loop: a blocked loop shows as a long gap. Counted
        # from when the message is stored, i.e. while it is read and decided on (receiving the
        # DATA is aiosmtpd's own line-by-line loop).
        await asyncio.sleep(0.02)
        now = time.monotonic()
        if stored:
            gaps.append(now - last)
        last = now
        if not stored:
            stored = bool(
                await pool.fetchval(
                    "select count(*) from bench_inbound_mail where mail_from = $1",
                    str(big["From"]),
                )
            )
            last = time.monotonic()
            continue
        if len(gaps) % 10 == 1:
            started = time.monotonic()
            resp = await platform.client.get("/health")
            assert resp.status_code == 200
            health.append(time.monotonic() - started)
    await sending
    held = await _inbound(platform, str(big["Message-ID"]))
    assert (held["status"], held["reason"]) == ("moderation", "too_long")
    assert health, "no /health request was made while the mail was processed"
    # Generous bounds for a loaded 2-core machine: reading the mail on the loop held it for
    # 7 s there; read in a thread, the longest gap seen was 0.6 s.
    assert max(gaps) < 2.0, f"the event loop was held for {max(gaps):.2f} s"
    assert max(health) < 2.0, f"/health took {max(health):.2f} s"


async def test_the_acknowledgement_address_is_limited_whatever_the_envelope_sender(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(
        servers, tmp_path, parts=frozenset({"web", "background"}), mail_address="3/hour"
    ) as platform:
        edition = await new_edition(platform)
        to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
        victim = f"victim2-{uuid.uuid4().hex[:8]}@example.org"
        outcomes = []
        for i in range(6):
            msg = _mail(victim, to, f"Pytanie numer {i}: kiedy będą nowe kursy języka polskiego?")
            envelope = f"sender-{i}-{uuid.uuid4().hex[:6]}@example.net"
            await send_mail_async(platform, msg.as_bytes(), sender=envelope, rcpt=to)
            outcomes.append(await _inbound(platform, str(msg["Message-ID"])))
        assert [o["status"] for o in outcomes] == ["question"] * 3 + ["moderation"] * 3
        assert {o["reason"] for o in outcomes[3:]} == {"too_many"}
        # The held ones are not acknowledged: exactly three messages are queued to the address.
        queued = await platform.runtime.pool(SCHEMA).fetch(
            "select purpose from outgoing_mail where recipient = $1", victim
        )
        assert [q["purpose"] for q in queued] == ["bench.acknowledgement"] * 3


async def test_a_reply_from_someone_else_does_not_join_the_askers_thread(
    platform: RunningPlatform,
) -> None:
    edition = await new_edition(platform)
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    alice = f"alice-{uuid.uuid4().hex[:8]}@example.org"
    first = _mail(alice, to, "Gdzie szukać pracy jako pielęgniarka z dyplomem z Ukrainy?")
    await send_mail_async(platform, first.as_bytes(), sender=alice, rcpt=to)
    question_id = (await _inbound(platform, str(first["Message-ID"])))["question_id"]
    ack = (await mail_arrives(platform, alice))[0]
    thread = {
        "In_Reply_To": str(ack["Message-ID"]),
        "References": f"{first['Message-ID']} {ack['Message-ID']}",
        "Subject": f"Re: {ack['Subject']}",
    }
    bench = f"bench@{platform.settings.intake_domain}"

    mallory = f"mallory-{uuid.uuid4().hex[:8]}@evil.example"
    forged = _mail(
        mallory, bench, "Rezygnuję z pytania, proszę je usunąć i nie odpowiadać.", **thread
    )
    await send_mail_async(platform, forged.as_bytes(), sender=mallory, rcpt=bench)
    outcome = await _inbound(platform, str(forged["Message-ID"]))
    assert outcome["status"] != "reply"
    assert outcome["question_id"] != question_id

    own = _mail(alice, bench, "Mam dyplom z Lwowa z 2015 roku.", **thread)
    await send_mail_async(platform, own.as_bytes(), sender=alice, rcpt=bench)
    assert (await _inbound(platform, str(own["Message-ID"])))["status"] == "reply"

    pool = platform.runtime.pool(SCHEMA)
    followups = await pool.fetch(
        "select text, sender from bench_followups where question_id = $1", question_id
    )
    assert [(f["text"], f["sender"]) for f in followups] == [
        ("Mam dyplom z Lwowa z 2015 roku.", alice)
    ]
    detail = await platform.client.get(
        f"/api/bench/questions/{question_id}/detail", headers=platform.auth("coordinator")
    )
    assert [f["sender"] for f in detail.json()["followups"]] == [alice]
    async with signed_in(platform, "coordinator", lang="en") as staff:
        page = await staff.get(f"/bench/staff/questions/{question_id}")
    assert page.status_code == 200
    assert f"from {alice}" in page.text
    assert mallory not in page.text and "Rezygnuję" not in page.text


async def test_what_is_held_for_moderation_stays_bounded(platform: RunningPlatform) -> None:
    """Past the bound, new mail gets 452 (the sending server retries later; nothing is lost)
    until the coordinator clears the queue."""
    edition = await new_edition(platform)
    to = f"bench+{edition['id']}@{platform.settings.intake_domain}"
    pool = platform.runtime.pool(SCHEMA)
    body = "Prosze o informacje w sprawie kursow jezyka polskiego dla doroslych.\n" * 400

    def long_mail() -> EmailMessage:
        return _mail(f"long-{uuid.uuid4().hex[:8]}@example.net", to, body)

    first, second, third = long_mail(), long_mail(), long_mail()
    held = await pool.fetchval(
        "select coalesce(sum(size_bytes), 0) from bench_inbound_mail "
        "where status in ('received', 'moderation') and raw is not null"
    )
    platform.runtime.extras["bench_max_held_bytes"] = held + len(first.as_bytes()) + 2000
    try:
        await send_mail_async(platform, first.as_bytes(), sender=str(first["From"]), rcpt=to)
        kept = await _inbound(platform, str(first["Message-ID"]))
        assert (kept["status"], kept["reason"]) == ("moderation", "too_long")

        with pytest.raises(smtplib.SMTPDataError) as refused:
            await send_mail_async(platform, second.as_bytes(), sender=str(second["From"]), rcpt=to)
        assert refused.value.smtp_code == 452
        assert (
            await pool.fetchval(
                "select count(*) from bench_inbound_mail where mail_from = $1",
                str(second["From"]),
            )
            == 0
        )

        first_id = await pool.fetchval(
            "select id from bench_inbound_mail where message_id = $1", str(first["Message-ID"])
        )
        resp = await platform.client.post(
            f"/api/bench/inbound-mail/{first_id}/resolution",
            json={"action": "discard", "reason": "too long, asked to split it"},
            headers=platform.auth("coordinator"),
        )
        assert resp.status_code in (200, 201), resp.text
        await send_mail_async(platform, third.as_bytes(), sender=str(third["From"]), rcpt=to)
        assert (await _inbound(platform, str(third["Message-ID"])))["status"] == "moderation"
    finally:
        platform.runtime.extras.pop("bench_max_held_bytes", None)


async def test_a_sender_address_that_is_not_utf8_is_logged_escaped(
    platform: RunningPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    """aiosmtpd logs the envelope sender with the bytes that are not UTF-8 as lone surrogates;
    such a line could not be written to a UTF-8 log or journal (nor sent in a test report)."""
    caplog.set_level(logging.INFO, logger="mail.log")

    def session() -> tuple[int, bytes]:
        with smtplib.SMTP(
            platform.settings.smtp_intake_host, platform.settings.smtp_intake_port, timeout=30
        ) as smtp:
            smtp.ehlo()
            smtp.send(b"MAIL FROM:<\xff\xfe\xc0@example.net>\r\n")
            return smtp.getreply()

    await asyncio.to_thread(session)
    lines = [r.getMessage() for r in caplog.records if r.name == "mail.log"]
    sender_lines = [line for line in lines if "sender:" in line or "MAIL" in line]
    assert sender_lines, lines
    for line in lines:
        line.encode("utf-8")  # raises on a lone surrogate
    assert any("\\udcff" in line for line in sender_lines), sender_lines
