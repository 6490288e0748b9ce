"""A resident asks the Dialogue Bench in Ukrainian through the form and follows the question."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform


async def test_a_resident_asks_in_ukrainian_without_javascript_and_follows_the_answer(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    resp = await platform.client.post(
        "/api/bench/editions",
        json={
            "title": "Лавка діалогу для української громади",
            "held_on": (datetime.now(UTC) + timedelta(days=14)).date().isoformat(),
            "venue": "Centrum Wielokulturowe, ul. Józefińska 14",
            "audience": "Ukrainian community",
            "submissions_close_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        headers=platform.auth("coordinator"),
    )
    edition = resp.json()
    page = await new_page(locale="uk", java_script_enabled=False)
    page.set_default_timeout(8000)

    await page.goto(f"{platform.base_url}/bench?lang=uk")
    await page.get_by_role("link", name=edition["title"]).click()

    # Sent empty first: the errors are explained in Ukrainian and the form keeps working.
    async with page.expect_navigation():
        await page.get_by_role("button", name="Надіслати запитання").click()
    assert await page.locator(".error-summary").is_visible()
    assert "щонайменше 10 символів" in await page.locator(".error-summary").inner_text()

    question = "Чи будуть у школах Кракова додаткові уроки польської мови для дітей з України?"
    await page.get_by_label("Ваше запитання").fill(question)
    await page.get_by_label("Тема").select_option("education")
    await page.get_by_label("Мова запитання і відповіді").select_option("uk")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Надіслати запитання").click()

    assert "Ваше запитання надіслано" in await page.locator("h1").inner_text()
    reference = (await page.locator("#reference").inner_text()).strip()
    assert reference.startswith("LD-")

    await page.locator("#track-link").click()
    assert "Отримано" in await page.locator("#status").inner_text()

    queue = await platform.client.get(
        f"/api/bench/editions/{edition['id']}/questions", headers=platform.auth("coordinator")
    )
    qid = next(q["id"] for q in queue.json()["items"] if q["reference"] == reference)
    answer = "Так, з вересня в кожній школі будуть додаткові уроки польської мови."
    await platform.client.post(
        f"/api/bench/questions/{qid}/answer",
        json={"text": answer, "language": "uk"},
        headers=platform.auth("coordinator"),
    )
    await page.reload()
    assert answer in await page.locator("#answer").inner_text()
    track_url = page.url

    # axe needs scripts (the pages themselves need none): check each page with them on.
    checker = await new_page(locale="uk")
    checker.set_default_timeout(8000)
    for url in (
        f"{platform.base_url}/bench?lang=uk",
        f"{platform.base_url}/bench/editions/{edition['id']}?lang=uk",
        track_url,
    ):
        await checker.goto(url)
        await assert_accessible(checker)
    await checker.goto(f"{platform.base_url}/bench/editions/{edition['id']}?lang=uk")
    async with checker.expect_navigation():
        await checker.get_by_role("button", name="Надіслати запитання").click()
    assert await checker.locator(".error-summary").is_visible()
    await assert_accessible(checker)
