"""Incident reports, the whole way (issue 17 part 5), with JavaScript off: a resident reports an
incident in Ukrainian without an account, leaving an address; the coordinator signs in and puts a person on
the response team on its page; that person signs in by e-mail (tests/helpers/signin.py), finds the report,
triages and refers it; the resident is mailed in Ukrainian. Every page passes axe."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import mail_files, mail_to, sign_in_by_email, text_of


async def submit(page: Any, form: str) -> None:
    async with page.expect_navigation():
        await page.click(f"{form} button[type=submit]")


async def test_a_resident_reports_in_ukrainian_and_the_response_team_triages_and_refers(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    base = platform.base_url
    resident = f"olena-{uuid.uuid4().hex[:6]}@example.org"
    member = f"marta-{uuid.uuid4().hex[:6]}@krakow.example.org"
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Warsaw")).date().isoformat()

    # The resident: no account, the form in Ukrainian; sent empty first, then filled in.
    page = await new_page(locale="uk", java_script_enabled=False)
    page.set_default_timeout(10000)
    await page.goto(f"{base}/incidents?lang=uk")
    assert "Повідомити про расистський або ксенофобний інцидент" in (
        await page.locator("h1").inner_text()
    )
    await assert_accessible(page)
    await submit(page, "form[action='/incidents']")
    summary = await page.locator(".error-summary").inner_text()
    assert "Опишіть, що сталося" in summary and "Вкажіть дату" in summary
    await assert_accessible(page)
    # The same form in Russian and Belarusian, offered from the form itself.
    for lang, heading in (
        ("ru", "Сообщить о расистском или ксенофобном инциденте"),
        ("be", "Паведаміць пра расісцкі або ксенафобны інцыдэнт"),
    ):
        await page.goto(f"{base}/incidents?lang={lang}")
        assert heading in await page.locator("h1").inner_text()
        await assert_accessible(page)
    await page.goto(f"{base}/incidents?lang=uk")
    await page.fill(
        "#what",
        "Двоє чоловіків кричали образи жінці, яка говорила українською, і погрожували їй.",
    )
    await page.fill("#where", "Трамвай 52, зупинка Rondo Mogilskie")
    await page.select_option("#district", "d02_grzegorzki")
    await page.fill("#when_date", today)
    await page.fill("#when_time", "00:01")
    await page.check("#category")  # hate speech
    await page.check("#reported_to_police-2")  # no
    await page.fill("#email", resident)
    await submit(page, "form[action='/incidents']")
    assert "Дякуємо за повідомлення" in await page.locator("h1").inner_text()
    found = re.search(r"INC-\d{4}-\d{5}", await page.locator("main").inner_text())
    assert found
    reference = found.group(0)
    await assert_accessible(page)

    # The coordinator puts Marta on the response team, from the reports' page.
    assert platform.runtime.auth is not None
    coordinator = await new_page(locale="pl", java_script_enabled=False)
    coordinator.set_default_timeout(10000)
    token = platform.runtime.auth.login_link_token("coordinator-incidents", "coordinator")
    await coordinator.goto(f"{base}/auth/link?token={token}&next=/incidents/staff")
    await submit(coordinator, "main")
    assert reference in await coordinator.locator("#reports").inner_text()
    await assert_accessible(coordinator)
    async with coordinator.expect_navigation():
        await coordinator.get_by_role("link", name="Zespół reagowania").click()
    await assert_accessible(coordinator)
    await submit(coordinator, "form[action='/incidents/staff/team#add']")
    assert "Wpisz imię i nazwisko osoby" in await coordinator.locator(".error-summary").inner_text()
    await assert_accessible(coordinator)
    await coordinator.fill("#name", "Marta Zielińska")
    await coordinator.fill("#email", member)
    await submit(coordinator, "form[action='/incidents/staff/team#add']")
    assert "wysłano jej link" in await coordinator.locator("#done").inner_text()
    assert member in await coordinator.locator("#team").inner_text()
    await assert_accessible(coordinator)

    # Marta signs in with her address, as anyone does, and finds the report.
    staff = await new_page(locale="pl", java_script_enabled=False)
    staff.set_default_timeout(10000)
    await sign_in_by_email(staff, platform, member, next="/incidents/staff")
    await staff.goto(f"{base}/incidents/staff?status=received&district=d02_grzegorzki")
    assert reference in await staff.locator("#reports").inner_text()
    await assert_accessible(staff)
    async with staff.expect_navigation():
        await staff.get_by_role("link", name=reference).click()
    assert "Двоє чоловіків кричали образи" in await staff.locator("#what").inner_text()
    await assert_accessible(staff)

    # Triage: the category confirmed, a severity; then the referral with a note.
    await staff.check("#category")  # hate speech (the reporter's choice, kept)
    await staff.check("#severity-3")  # high
    await submit(staff, "form[action$='/triage']")
    assert "Ocena została zapisana." in await staff.locator("#done").inner_text()
    await assert_accessible(staff)
    await staff.check("#refer_to")  # the police
    await staff.fill("#note", "Komisariat Policji IV, ul. Mogilska; przekazano opis i miejsce.")
    before = mail_files(platform)
    await submit(staff, "form[action$='/refer']")
    assert "Zgłoszenie zostało przekazane." in await staff.locator("#done").inner_text()
    assert "przekazane" in await staff.locator("#status").inner_text()
    history = await staff.locator("#history").inner_text()
    assert "ocenione" in history and "Komisariat Policji IV" in history
    await assert_accessible(staff)

    # The resident is told, in Ukrainian, whom the report went to (never the note).
    message = await mail_to(platform, resident, since=before)
    text = text_of(message)
    assert reference in text and "поліції" in text and "Komisariat" not in text
