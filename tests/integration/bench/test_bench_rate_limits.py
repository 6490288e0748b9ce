"""The Bench's doors under their rate limits: the question form, the tracking page, SMTP intake.

Each test runs a platform of its own with low limits on the session's servers (real Redis,
PostgreSQL, SMTP over TCP) and plays a client through X-Forwarded-For.
"""

from __future__ import annotations

import re
import smtplib
import uuid
from email.mime.text import MIMEText
from email.utils import make_msgid
from pathlib import Path

import httpx

from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform, client_ip, limited_platform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import new_edition, send_mail_async

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
QUESTION = "Коли відкриють курси польської мови для дорослих у Новій Хуті?"


async def test_the_question_form_over_the_limit_keeps_what_was_typed_and_says_when_to_retry(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, questions="1/minute") as platform:
        edition = (await new_edition(platform))["id"]
        async with httpx.AsyncClient(
            base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
        ) as browser:
            form_page = await browser.get(f"/bench/editions/{edition}", params={"lang": "uk"})
            csrf = CSRF.search(form_page.text).group(1)  # type: ignore[union-attr]
            typed = {
                "_csrf_token": csrf,
                "text": QUESTION,
                "topic": "education",
                "language": "uk",
                "email": "",
                "name": "Оксана",
            }
            first = await browser.post(
                f"/bench/editions/{edition}/questions", data={**typed, "nonce": "n-1"}
            )
            assert first.status_code == 200 and "LD-" in first.text
            second = await browser.post(
                f"/bench/editions/{edition}/questions", data={**typed, "nonce": "n-2"}
            )

    assert second.status_code == 429
    assert 1 <= int(second.headers["retry-after"]) <= 60
    assert second.headers["content-language"] == "uk"
    assert "Будь ласка, трохи зачекайте" in second.text
    assert "надішліть ще раз через 1 хвилину" in second.text
    # The form is there again with what was typed, ready to be sent as it is.
    assert f">{QUESTION}</textarea>" in second.text
    assert 'value="Оксана"' in second.text and 'value="n-2"' in second.text
    assert '<option value="education" selected' in second.text


async def test_the_tracking_page_stops_guessing_but_keeps_the_reference(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(servers, tmp_path, token_failures="2/minute") as platform:
        edition = (await new_edition(platform))["id"]
        created = (
            await platform.client.post(
                f"/api/bench/editions/{edition}/questions",
                json={"text": QUESTION, "topic": "education", "language": "uk", "consent": False},
            )
        ).json()
        guess = {"reference": created["reference"], "token": "wrong-token-123", "lang": "pl"}
        async with httpx.AsyncClient(
            base_url=platform.base_url, headers={"X-Forwarded-For": client_ip()}
        ) as browser:
            for _ in range(2):
                wrong = await browser.get("/bench/track", params=guess)
                assert wrong.status_code == 200 and "Nie znaleźliśmy pytania" in wrong.text
            stopped = await browser.get(
                "/bench/track", params={**guess, "token": created["tracking_token"]}
            )
        assert stopped.status_code == 429 and int(stopped.headers["retry-after"]) >= 1
        assert "Prosimy chwilę zaczekać" in stopped.text
        assert f'value="{created["reference"]}"' in stopped.text
        assert stopped.headers["cache-control"] == "no-store"
        owner = await platform.client.get(
            "/bench/track",
            params={"reference": created["reference"], "token": created["tracking_token"]},
            headers={"X-Forwarded-For": client_ip()},
        )
        assert owner.status_code == 200 and 'id="status"' in owner.text


def _mail(platform: RunningPlatform, edition: str, sender: str) -> tuple[bytes, str]:
    msg = MIMEText(f"{QUESTION}\n\nOksana\n", "plain", "utf-8")
    msg["From"] = sender
    msg["To"] = f"bench+{edition}@{platform.settings.intake_domain}"
    msg["Subject"] = "Pytanie"
    msg["Message-ID"] = make_msgid(domain="example.net")
    return msg.as_bytes(), str(msg["To"])


async def _send(platform: RunningPlatform, edition: str, sender: str) -> None:
    raw, to = _mail(platform, edition, sender)
    await send_mail_async(platform, raw, sender=sender, rcpt=to)


async def _questions_from(platform: RunningPlatform, edition: str, sender: str) -> int:
    return int(
        await platform.runtime.pool("participation").fetchval(
            "select count(*) from bench_questions where edition_id = $1 and asker_email = $2",
            uuid.UUID(edition),
            sender,
        )
    )


async def test_smtp_intake_answers_451_to_a_busy_sender_and_takes_its_mail_later(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(
        servers, tmp_path, parts=frozenset({"web", "background"}), smtp_sender="2/2 seconds"
    ) as platform:
        edition = (await new_edition(platform))["id"]
        busy = f"busy-{uuid.uuid4().hex[:8]}@example.net"
        for _ in range(2):
            await _send(platform, edition, busy)
        try:
            await _send(platform, edition, busy)
            raise AssertionError("the third message in the window was accepted")
        except smtplib.SMTPSenderRefused as refused:
            assert refused.smtp_code == 451 and b"4.7.1" in refused.smtp_error
        other = f"other-{uuid.uuid4().hex[:8]}@example.net"
        await _send(platform, edition, other)  # another sender from the same server: welcome

        async def accepted_again() -> bool:
            try:
                await _send(platform, edition, busy)
            except smtplib.SMTPSenderRefused:
                return False
            return True

        # A sending server keeps a message refused with 4xx and tries again later; so do we.
        await eventually(accepted_again, timeout=15, interval=0.5, what="the sender accepted")
        assert await _questions_from(platform, edition, busy) == 3
        assert await _questions_from(platform, edition, other) == 1


async def test_smtp_intake_limits_a_busy_connecting_server(
    servers: Servers, tmp_path: Path
) -> None:
    async with limited_platform(
        servers, tmp_path, parts=frozenset({"web", "background"}), smtp_peer="1/minute"
    ) as platform:
        edition = (await new_edition(platform))["id"]
        await _send(platform, edition, f"a-{uuid.uuid4().hex[:8]}@example.net")
        try:
            await _send(platform, edition, f"b-{uuid.uuid4().hex[:8]}@example.net")
            raise AssertionError("a second message from the same server was accepted")
        except smtplib.SMTPSenderRefused as refused:
            assert refused.smtp_code == 451 and b"your address" in refused.smtp_error
