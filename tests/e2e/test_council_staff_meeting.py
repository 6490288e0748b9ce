"""The council secretary signs in with a one-time link, schedules a meeting and records a held
one with the members present and a guest (no JavaScript). Every secretariat page passes axe."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from services.participation.council.domain import WARSAW
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import direct_member, meeting


async def test_the_secretary_schedules_a_meeting_and_records_who_came(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    member = await direct_member(platform, name=f"Halyna Shevchuk {uuid.uuid4().hex[:4]}")
    past = await meeting(platform, title=f"Posiedzenie {uuid.uuid4().hex[:6]}")

    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(8000)
    token = platform.runtime.auth.login_link_token("secretary-e2e", "council_secretary")
    await page.goto(f"{platform.base_url}/auth/link?token={token}")
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    # Signed in: the secretary lands on "Your work"; the header leads to the meetings.
    assert await page.locator("h1").inner_text() == "Twoje zadania"
    async with page.expect_navigation():
        await page.locator("header").get_by_role("link", name="Posiedzenia Rady").click()

    # Sent empty first: each field's error is explained in Polish.
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    summary = await page.locator(".error-summary").inner_text()
    assert "Wpisz tytuł posiedzenia: od 3 do 300 znaków." in summary
    assert "Wpisz datę posiedzenia, np. 2026-12-03." in summary

    title = f"Posiedzenie Rady {uuid.uuid4().hex[:6]}"
    day = date.today() + timedelta(days=20)
    await page.fill("#title", title)
    await page.fill("#date", day.isoformat())
    await page.fill("#time", "17:30")
    await page.fill("#place", "Sala Obrad, Plac Wszystkich Świętych 3-4")
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    assert "Posiedzenie zostało zaplanowane." in await page.locator("#done").inner_text()
    assert await page.locator("#meeting-starts").inner_text() == f"{day.isoformat()} 17:30"
    scheduled_url = page.url
    row = await platform.runtime.pool("participation").fetchrow(
        "select starts_at from council_meetings where title = $1", title
    )
    assert row["starts_at"].astimezone(WARSAW).strftime("%H:%M") == "17:30"

    # The held meeting: tick the member, add a guest, record.
    await page.goto(f"{platform.base_url}/council/staff/meetings/{past}")
    await page.get_by_label(member["name"], exact=False).check()
    await page.fill("#guest_name_1", "Marek Gość")
    await page.fill("#guest_organisation_1", "Stowarzyszenie Interkulturalni")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Zapisz jako odbyte").click()
    assert "zapisane jako odbyte" in await page.locator("#done").inner_text()
    assert "goście: 1" in await page.locator("#meeting-attendance").inner_text()
    attendance = await page.locator("#attendance").inner_text()
    assert member["name"] in attendance and "Marek Gość" in attendance
    held_url = page.url

    # axe on every secretariat page, with an error shown too.
    checker: Any = await new_page(locale="pl")  # axe needs scripts; the pages themselves have none
    checker.set_default_timeout(8000)
    session = platform.runtime.auth.session_token(
        Principal(subject="secretary-e2e", roles=("council_secretary",))
    )
    await checker.context.add_cookies(
        [{"name": "okr_session", "value": session, "url": platform.base_url}]
    )
    for url in (f"{platform.base_url}/council/staff", scheduled_url, held_url):
        await checker.goto(url)
        await assert_accessible(checker)
    other = await meeting(platform, title=f"Posiedzenie {uuid.uuid4().hex[:6]}")
    await checker.goto(f"{platform.base_url}/council/staff/meetings/{other}")
    await assert_accessible(checker)
    async with checker.expect_navigation():
        await checker.get_by_role("button", name="Zapisz jako odbyte").click()
    assert await checker.locator(".error-summary").is_visible()
    await assert_accessible(checker)
