"""A person signs in on their own: the e-mail form, the link from the mail file, the button —
without JavaScript, in Polish and Ukrainian, every page passing axe (WCAG 2.1 AA)."""

from __future__ import annotations

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import follow_link, link_in, mail_files, mail_to


async def test_the_coordinator_signs_in_from_the_email_form_in_polish(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(8000)
    await page.goto(f"{platform.base_url}/auth/sign-in?next=%2Fdashboard")
    assert await page.locator("h1").inner_text() == "Zaloguj się"
    await assert_accessible(page)

    # A typo is explained next to the field, and what was typed stays.
    await page.fill("#email", "koordynacja(at)example.org")
    async with page.expect_navigation():
        await page.click("main form[action='/auth/sign-in'] button[type=submit]")
    assert (
        "Wpisz adres e-mail w postaci imie@example.org."
        in await page.locator(".error-summary").inner_text()
    )
    assert await page.input_value("#email") == "koordynacja(at)example.org"
    await assert_accessible(page)

    before = mail_files(platform)
    await page.fill("#email", COORDINATOR_EMAIL)
    async with page.expect_navigation():
        await page.click("main form[action='/auth/sign-in'] button[type=submit]")
    assert await page.locator("h1").inner_text() == "Sprawdź pocztę"
    await assert_accessible(page)

    message = await mail_to(platform, COORDINATOR_EMAIL, since=before)
    assert message["Subject"] == "Twój link do logowania — Otwarty Kraków"
    await page.goto(link_in(message))
    await assert_accessible(page)
    await follow_link(page, link_in(message))
    assert page.url.endswith("/dashboard")

    # The same link a second time: explained, with the form to get a new one to the same page.
    await follow_link(page, link_in(message))
    assert await page.locator("h1").inner_text() == "Tego linku do logowania nie można użyć"
    assert await page.locator("input[name=next]").get_attribute("value") == "/dashboard"
    await assert_accessible(page)


async def test_the_sign_in_pages_read_in_ukrainian(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    page = await new_page(locale="uk", java_script_enabled=False)
    page.set_default_timeout(8000)
    await page.goto(f"{platform.base_url}/auth/sign-in")
    assert await page.locator("h1").inner_text() == "Увійти"
    assert await page.get_by_label("Ваша адреса електронної пошти").count() == 1
    await page.fill("#email", "nobody-known@example.org")
    async with page.expect_navigation():
        await page.click("main form[action='/auth/sign-in'] button[type=submit]")
    assert await page.locator("h1").inner_text() == "Перевірте пошту"
    await assert_accessible(page)
