"""The public nomination form in a real browser: Ukrainian, no JavaScript, WCAG 2.1 AA."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform


async def test_a_resident_nominates_a_candidate_in_ukrainian_without_javascript(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    created = await platform.client.post(
        "/api/ambassadors/editions",
        json={
            "year": 2026,
            "nominations_close_at": "2099-01-01T00:00:00+01:00",
            "criteria": [{"key": "impact", "name": "Impact", "weight": 1}],
        },
        headers=platform.auth("coordinator"),
    )
    url = f"{platform.base_url}/ambassadors/editions/{created.json()['id']}/nominate?lang=uk"

    checker = await new_page()
    await checker.goto(url)
    await assert_accessible(checker)

    page = await new_page(locale="uk-UA", java_script_enabled=False)
    await page.goto(url)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Надіслати номінацію").click()
    summary = page.get_by_role("alert")
    assert "Позначте згоду" in await summary.inner_text()

    await page.fill("#candidate_name", "Олена Коваленко")
    await page.fill("#candidate_email", f"olena-{uuid.uuid4().hex[:6]}@example.org")
    await page.fill(
        "#justification", "Веде безкоштовні уроки польської для дітей з України в Новій Гуті."
    )
    await page.fill("#nominator_name", "Іван Петренко")
    await page.fill("#nominator_email", "ivan@example.org")
    await page.select_option("#nominator_group", "forced_migrant")
    await page.check("#consent")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Надіслати номінацію").click()
    assert await page.get_by_role("heading", level=1).inner_text() == "Дякуємо за номінацію"
    assert "AM-2026-" in await page.inner_text("main")
