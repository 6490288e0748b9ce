"""The coordinator's dashboard in a real browser: live change without reload, accessible."""

from __future__ import annotations

from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.registry import indicator_count
from tests.integration.indicators.events import at, publish, question

YEAR = 2012


async def signed_in_page(platform: RunningPlatform, new_page: NewPage, locale: str = "pl"):  # type: ignore[no-untyped-def]
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(
        Principal(subject="coordinator-e2e", roles=("coordinator",))
    )
    page = await new_page(locale=locale)
    await page.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    return page


async def test_the_dashboard_shows_a_new_question_without_reloading(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    page = await signed_in_page(platform, new_page)
    await page.goto(f"{platform.base_url}/dashboard?year={YEAR}")
    card = page.locator("#bench-questions_received .indicator-value")
    assert (await card.inner_text()).strip() == "0"
    await page.evaluate("window.__same_page = true")
    await page.locator("#dashboard[data-live='on']").wait_for(timeout=10_000)
    await publish(platform, question(at(YEAR)))
    await page.locator("#bench-questions_received[data-updated='true'] .indicator-value").wait_for(
        timeout=10_000
    )
    assert (
        await page.locator("#bench-questions_received .indicator-value").inner_text()
    ).strip() == "1"
    assert await page.evaluate("window.__same_page === true")
    await page.wait_for_function(
        "document.getElementById('pipeline-received').textContent.trim() === '1'"
    )
    await assert_accessible(page)
    await page.goto(f"{platform.base_url}/dashboard/report/{YEAR}")
    await assert_accessible(page)


async def test_the_dashboard_works_in_english_without_javascript(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(
        Principal(subject="coordinator-e2e", roles=("coordinator",))
    )
    page = await new_page(locale="en", java_script_enabled=False)
    await page.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    await page.goto(f"{platform.base_url}/dashboard?year={YEAR}&lang=en")
    assert await page.locator("h1").inner_text() == f"Open Kraków programme indicators {YEAR}"
    # Without JavaScript nothing changes by itself: the page says so and offers a reload.
    assert "do not change by themselves" in await page.locator(".live-fallback").inner_text()
    async with page.expect_navigation():
        await page.get_by_role("link", name="Show the latest values").click()
    assert page.url.endswith(f"/dashboard?year={YEAR}")
    await page.goto(f"{platform.base_url}/dashboard/report/{YEAR}?lang=en")
    assert await page.locator(".report-table tbody tr").count() == await indicator_count(platform)
