"""The public indicators in a real browser, without signing in and without JavaScript: a visitor
in Polish and in Ukrainian chooses a year, reads the table per specific objective (a small cell
withheld), opens the annual report and the open data; axe finds no violation on any page."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.registry import indicator_count
from tests.integration.indicators.events import (
    answered,
    at,
    caught_up,
    publish,
    question,
    value_becomes,
)

YEAR = 2063  # no other test counts anything in it


async def seeded(platform: RunningPlatform) -> None:
    if getattr(platform, "_public_e2e_seeded", False):
        return
    asked = [question(at(YEAR, 2, 1) + timedelta(minutes=i)) for i in range(7)]
    # Seven questions, two answered: the count of answered questions is a small cell.
    await publish(platform, *asked, *(answered(q, 2) for q in asked[:2]))
    await value_becomes(platform, YEAR, "bench.questions_answered", 2)
    await caught_up(platform)
    platform._public_e2e_seeded = True  # type: ignore[attr-defined]


async def test_a_visitor_reads_the_indicators_in_polish(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    await seeded(platform)
    page = await new_page(locale="pl", java_script_enabled=False)
    await page.goto(f"{platform.base_url}/")
    await page.get_by_role("link", name="Wskaźniki programu i sprawozdanie roczne").click()
    await page.wait_for_url("**/indicators")
    await assert_accessible(page)
    # Choose the year in the form (GET, no JavaScript).
    await page.get_by_label("Rok").select_option(str(YEAR))
    await page.get_by_role("button", name="Pokaż").click()
    await page.wait_for_url(f"**/indicators?year={YEAR}")
    assert await page.locator("h1").inner_text() == f"Wskaźniki programu Otwarty Kraków {YEAR}"
    assert await page.locator("h2").count() == 6
    received = page.locator('tr[data-indicator="bench.questions_received"]')
    assert (await received.locator("td[data-value]").inner_text()).strip() == "7"
    small = page.locator('tr[data-indicator="bench.questions_answered"]')
    assert (await small.locator("td[data-value]").inner_text()).strip() == "mniej niż 5"
    assert "nie publikujemy" in await small.inner_text()
    await assert_accessible(page)

    await page.get_by_role("link", name=f"Sprawozdanie roczne za {YEAR} (do druku)").click()
    await page.wait_for_url(f"**/indicators/report/{YEAR}")
    assert await page.locator(".report-table tbody tr").count() == await indicator_count(platform)
    await assert_accessible(page)
    await page.emulate_media(media="print")
    assert not await page.locator(".site-header").is_visible()
    await page.emulate_media(media="screen")

    await page.goto(f"{platform.base_url}/open-data")
    assert await page.locator("#indicators h2").inner_text() == "Wskaźniki programu według lat"
    await assert_accessible(page)


async def test_a_visitor_reads_the_indicators_in_ukrainian_on_a_phone(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    await seeded(platform)
    page = await new_page(locale="uk", viewport={"width": 375, "height": 740})
    await page.goto(f"{platform.base_url}/indicators?year={YEAR}&lang=uk")
    assert await page.locator("h1").inner_text() == (
        f"Показники програми «Відкритий Краків» {YEAR}"
    )
    assert await page.locator("html").get_attribute("lang") == "uk"
    small = page.locator('tr[data-indicator="bench.questions_answered"]')
    assert (await small.locator("td[data-value]").inner_text()).strip() == "менше ніж 5"
    # The wide table scrolls in its own region, reachable by keyboard.
    region = page.locator(".table-scroll").first
    assert await region.get_attribute("tabindex") == "0"
    await assert_accessible(page)
    await page.goto(f"{platform.base_url}/indicators/report/{YEAR}?lang=uk")
    await assert_accessible(page)
    await page.goto(f"{platform.base_url}/open-data?lang=uk")
    await assert_accessible(page)
