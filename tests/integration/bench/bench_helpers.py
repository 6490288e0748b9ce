"""Shared steps of the Bench's integration tests: editions, questions, mail on disk and by SMTP."""

from __future__ import annotations

import asyncio
import email
import re
import smtplib
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually


async def new_edition(platform: RunningPlatform, **overrides: object) -> dict:
    body = {
        "title": "Ławka Dialogu dla cudzoziemców",
        "held_on": (datetime.now(UTC) + timedelta(days=20)).date().isoformat(),
        "venue": "Centrum Wielokulturowe, ul. Józefińska 14",
        "audience": "foreign residents and minority organisations",
        "submissions_close_at": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
        "answer_due_days": 30,
        **overrides,
    }
    resp = await platform.client.post(
        "/api/bench/editions", json=body, headers=platform.auth("coordinator")
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def question_body(**overrides: object) -> dict:
    return {
        "text": "Kiedy w szkołach będzie więcej lekcji polskiego dla dzieci z Ukrainy?",
        "topic": "education",
        "language": "uk",
        "consent": True,
        "email": f"asker-{uuid.uuid4().hex[:8]}@example.org",
        "group": "forced_migrant",
        **overrides,
    }


async def ask(platform: RunningPlatform, edition_id: str, **overrides: object) -> dict:
    resp = await platform.client.post(
        f"/api/bench/editions/{edition_id}/questions", json=question_body(**overrides)
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def mails_to(platform: RunningPlatform, address: str) -> list[EmailMessage]:
    """Messages sent to `address` (the test platform writes outgoing mail as .eml files)."""
    folder: Path = platform.settings.mail_dir
    found = []
    for path in (
        sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime) if folder.exists() else []
    ):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if address.lower() in str(msg["To"]).lower():
            found.append(msg)
    return found


async def mail_arrives(
    platform: RunningPlatform, address: str, count: int = 1, within: float = 15
) -> list[EmailMessage]:
    async def probe() -> list[EmailMessage] | None:
        got = mails_to(platform, address)
        return got if len(got) >= count else None

    return await eventually(probe, timeout=within, what=f"{count} mail(s) to {address}")


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def send_smtp(
    platform: RunningPlatform, raw: bytes, *, sender: str, rcpt: str | None = None
) -> Any:
    """Send over a real SMTP connection to the intake; returns smtplib's refused dict."""
    rcpt = rcpt or f"bench@{platform.settings.intake_domain}"
    # On the wire lines end in CRLF (smtplib sends bytes as they are).
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    with smtplib.SMTP(
        platform.settings.smtp_intake_host, platform.settings.smtp_intake_port, timeout=10
    ) as client:
        return client.sendmail(sender, [rcpt], raw)


async def send_mail_async(
    platform: RunningPlatform, raw: bytes, *, sender: str, rcpt: str | None = None
) -> Any:
    return await asyncio.to_thread(send_smtp, platform, raw, sender=sender, rcpt=rcpt)


async def events_of(platform: RunningPlatform, event_type: str, key: str, value: str) -> list[dict]:
    """Outbox events of a type whose payload has key == value (what the relay publishes)."""
    import msgspec

    rows = await platform.runtime.pool("participation").fetch(
        "select body from outbox where subject = $1 order by seq", f"okr.{event_type}"
    )
    found = []
    for row in rows:
        decoded = msgspec.json.decode(bytes(row["body"]))
        payload = decoded.get("payload", decoded)
        if str(payload.get(key)) == value:
            found.append(payload)
    return found
