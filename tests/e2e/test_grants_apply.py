"""An NGO representative applies for a small grant in the browser (the pages ship no JavaScript)."""

from __future__ import annotations

import uuid
from typing import Any

from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import new_call, new_organisation


async def signed_in_page(
    new_page: NewPage, platform: RunningPlatform, org_id: str, subject: str, locale: str
) -> Any:
    page = await new_page(locale=locale)  # the pages ship no script; axe needs one
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(
        Principal(subject=subject, roles=("ngo",), org=uuid.UUID(org_id))
    )
    await page.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    return page


async def test_an_ngo_drafts_and_submits_an_application_in_ukrainian(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    call_id = await new_call(platform, title="Małe granty – test przeglądarki")
    org_id, headers = await new_organisation(platform)
    subject = f"ngo-{uuid.uuid4().hex[:6]}"  # another representative: the session names the org
    page = await signed_in_page(new_page, platform, org_id, subject, "uk")

    await page.goto(f"{platform.base_url}/grants?lang=uk")
    assert await page.locator("h1").inner_text() == "Малі гранти"
    await assert_accessible(page)
    await page.click(f"a[href='/grants/calls/{call_id}/apply']")
    await assert_accessible(page)

    await page.fill("#title", "Мовні майстерні для родин")
    await page.fill("#summary", "Щотижневі майстерні польської мови для родин з досвідом міграції.")
    await page.check("#objectives")
    await page.fill("#requested", "2500.00")
    await page.fill("#line0_category", "fees")
    await page.fill("#line0_description", "trainer")
    await page.fill("#line0_amount", "2000")
    await page.click("main button[type=submit]")
    # The lines add up to 2000.00, not 2500.00: the form says so in Ukrainian, by the budget,
    # and keeps what was typed.
    said = await page.locator("#budget_lines-error").inner_text()
    assert "Сума рядків бюджету становить 2" in said and "500,00" in said
    assert await page.locator(".error-summary a[href='#budget_lines']").inner_text() in said
    assert await page.input_value("#title") == "Мовні майстерні для родин"
    await assert_accessible(page)
    # The summary's link takes the keyboard to the budget, which announces its error.
    await page.click(".error-summary a[href='#budget_lines']")
    assert await page.evaluate("document.activeElement.id") == "budget_lines"
    assert await page.get_attribute("#budget_lines", "aria-describedby") == "budget_lines-error"

    await page.fill("#line1_category", "rent")
    await page.fill("#line1_amount", "500")
    await page.click("main button[type=submit]")
    assert await page.locator("#application-status").inner_text() == "Чернетка"
    await page.click("text=Подати заявку")
    assert await page.locator("#application-status").inner_text() == "Подано"
    await assert_accessible(page)

    await page.context.close()
    mine = (await platform.client.get("/api/grants/applications", headers=headers)).json()["items"]
    assert [(a["title"], a["status"], a["requested"]["amount"]) for a in mine] == [
        ("Мовні майстерні для родин", "submitted", 250000)
    ]


async def test_refused_forms_stay_accessible_in_polish(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    """Every error is tied to its field (summary link, aria-describedby, aria-invalid): axe agrees."""
    page = await new_page(locale="pl")
    assert platform.runtime.auth is not None
    for role in ("ngo", "coordinator"):
        cookie = platform.runtime.auth.session_token(
            Principal(subject=f"{role}-{uuid.uuid4().hex[:6]}", roles=(role,))
        )
        await page.context.add_cookies(
            [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
        )
        if role == "ngo":
            await page.goto(f"{platform.base_url}/grants/organisation/new")
            await page.fill("#nip", "123")
        else:
            await page.goto(f"{platform.base_url}/grants/coordinator")
            await page.fill("#c0_key", "Relevance")
            await page.fill("#c0_weight", "0")
        await page.click("main button[type=submit]")
        summary = page.locator(".error-summary")
        assert "Wpisz" in await summary.inner_text()
        for link in await summary.locator("a").all():
            target = (await link.get_attribute("href") or "").removeprefix("#")
            assert await page.locator(f"[id='{target}']").count() == 1, target
        assert await page.locator("[aria-invalid=true]").count() >= 2
        await assert_accessible(page)
