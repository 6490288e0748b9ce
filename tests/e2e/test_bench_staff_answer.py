"""A responder signs in with a one-time link, finds a question in the queue and answers it
(no JavaScript); the resident sees the answer on the tracking page. Every staff page passes axe."""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import ask, new_edition, send_mail_async


async def _assign(platform: RunningPlatform, question_id: str, responder: str) -> None:
    resp = await platform.client.post(
        f"/api/bench/questions/{question_id}/assignment",
        json={"responder": responder, "department": "Wydział Edukacji"},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text


async def _with_session(new_page: NewPage, platform: RunningPlatform, cookie: str) -> Any:
    checker = await new_page(locale="pl")  # axe needs scripts; the pages themselves have none
    checker.set_default_timeout(8000)
    await checker.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    return checker


async def test_a_responder_signs_in_with_a_link_answers_from_the_queue_and_the_resident_reads_it(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    edition = await new_edition(platform, title=f"Ławka Dialogu {uuid.uuid4().hex[:6]}")
    question = await ask(
        platform,
        edition["id"],
        text="Чи будуть у школах Кракова додаткові уроки польської мови для дітей з України?",
    )
    other = await ask(
        platform, edition["id"], text="Коли відкриють новий дитячий садочок у Подгуже?"
    )
    responder = f"resp-e2e-{uuid.uuid4().hex[:6]}"
    await _assign(platform, question["id"], responder)
    await _assign(platform, other["id"], responder)

    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(8000)
    token = platform.runtime.auth.login_link_token(responder, "responder")
    await page.goto(f"{platform.base_url}/auth/link?token={token}")
    async with page.expect_navigation():
        await page.click("main button[type=submit]")

    # Signed in: the header leads to the queue; the session is chosen with the filter form.
    async with page.expect_navigation():
        await page.locator("header").get_by_role("link", name="Pytania do Ławki").click()
    assert await page.locator("h1").inner_text() == "Pytania do odpowiedzi"
    await page.select_option("#edition", edition["id"])
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    queue_url = page.url
    async with page.expect_navigation():
        await page.get_by_role("link", name=question["reference"]).click()
    assert "додаткові уроки польської" in await page.locator("#question-text").inner_text()

    # Sent empty first: the error is explained in Polish and nothing is answered.
    answer_button = "form[action$='/answer#answer'] button[type=submit]"
    async with page.expect_navigation():
        await page.click(answer_button)
    assert (
        "Napisz odpowiedź: od 10 do 10000 znaków."
        in await page.locator(".error-summary").inner_text()
    )

    answer = "Так, з вересня в кожній школі будуть додаткові уроки польської мови."
    await page.fill("#text", answer)
    await page.select_option("#language", "uk")
    async with page.expect_navigation():
        await page.click(answer_button)
    assert "Twoja odpowiedź została zapisana." in await page.locator("#done").inner_text()
    assert answer in await page.locator("#answer-1").inner_text()
    answered_url = page.url

    resident = await new_page(locale="uk", java_script_enabled=False)
    await resident.goto(
        f"{platform.base_url}/bench/track?reference={question['reference']}"
        f"&token={question['tracking_token']}"
    )
    assert answer in await resident.locator("#answer").inner_text()

    # axe on every staff page, as the responder and as the coordinator (with its forms).
    session = platform.runtime.auth.session_token(
        Principal(subject=responder, roles=("responder",))
    )
    checker = await _with_session(new_page, platform, session)
    for url in (queue_url, answered_url):
        await checker.goto(url)
        await assert_accessible(checker)
    await checker.goto(f"{platform.base_url}/bench/staff/questions/{other['id']}")
    async with checker.expect_navigation():
        await checker.click(answer_button)
    assert await checker.locator(".error-summary").is_visible()
    await assert_accessible(checker)

    sender = f"resident-{uuid.uuid4().hex[:8]}@example.net"
    await send_mail_async(
        platform,
        f"From: {sender}\r\nSubject: <b>hi</b>\r\n\r\n".encode() + b"http://spam.example/ " * 8,
        sender=sender,
        rcpt=f"bench+{edition['id']}@{platform.settings.intake_domain}",
    )

    async def held() -> Any:
        return await platform.runtime.pool("participation").fetchval(
            "select id from bench_inbound_mail where mail_from = $1 and status = 'moderation'",
            sender,
        )

    inbound_id = await eventually(held, what="the message held for moderation")
    coordinator = await _with_session(
        new_page,
        platform,
        platform.runtime.auth.session_token(
            Principal(subject="coordinator-e2e", roles=("coordinator",))
        ),
    )
    fresh = await ask(platform, edition["id"], text="Gdzie szukać mieszkania na wynajem?")
    for path in (
        f"/bench/staff/questions/{fresh['id']}",
        "/bench/staff/inbound-mail?limit=500",
        f"/bench/staff/inbound-mail/{inbound_id}",
    ):
        await coordinator.goto(f"{platform.base_url}{path}")
        await assert_accessible(coordinator)

    # The coordinator's session page: the entered-question form refused, then the slip.
    await coordinator.goto(f"{platform.base_url}/bench/staff/editions/{edition['id']}")
    await assert_accessible(coordinator)
    entered_form = "form[action*='entered-questions']"
    async with coordinator.expect_navigation():
        await coordinator.click(f"{entered_form} button[type=submit]")
    assert await coordinator.locator(".error-summary").is_visible()
    await assert_accessible(coordinator)
    await coordinator.check("#channel")
    await coordinator.fill("#text", "Czy w Podgórzu powstanie nowy punkt informacyjny?")
    async with coordinator.expect_navigation():
        await coordinator.click(f"{entered_form} button[type=submit]")
    assert await coordinator.locator("#slip").is_visible()
    await assert_accessible(coordinator)
