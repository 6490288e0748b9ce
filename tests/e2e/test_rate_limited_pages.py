"""A resident who sends the question form too often, in a browser without JavaScript."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Servers
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import client_ip, limited_platform
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import new_edition

FIRST = "Чи будуть у школах Кракова додаткові уроки польської мови для дітей з України?"
SECOND = "Де в Кракові можна безкоштовно отримати юридичну консультацію щодо карти побиту?"


async def _ask(page: object, url: str, text: str) -> None:
    await page.goto(url)  # type: ignore[attr-defined]
    await page.get_by_label("Ваше запитання").fill(text)  # type: ignore[attr-defined]
    await page.get_by_label("Тема").select_option("legal_stay")  # type: ignore[attr-defined]
    async with page.expect_navigation():  # type: ignore[attr-defined]
        await page.get_by_role("button", name="Надіслати запитання").click()  # type: ignore[attr-defined]


async def _ask_until_refused(page: object, url: str, text: str) -> None:
    """Ask again until the limit refuses (on a loaded machine one ask can outlast the window, and
    the next is then accepted: the one after it comes within the window)."""
    for _ in range(4):
        await _ask(page, url, text)
        if await page.locator("#rate-limited-title").count():  # type: ignore[attr-defined]
            return
    raise AssertionError("four asks in a row and none was refused")


async def test_a_question_sent_too_soon_comes_back_with_the_text_and_goes_through_later(
    servers: Servers, tmp_path: Path, new_page: NewPage
) -> None:
    async with limited_platform(servers, tmp_path, questions="1/6 seconds") as platform:
        edition = (await new_edition(platform))["id"]
        url = f"{platform.base_url}/bench/editions/{edition}?lang=uk"
        page = await new_page(
            locale="uk",
            java_script_enabled=False,
            extra_http_headers={"X-Forwarded-For": client_ip()},
        )
        page.set_default_timeout(8000)

        await _ask(page, url, FIRST)
        assert "Ваше запитання надіслано" in await page.locator("h1").inner_text()
        await _ask_until_refused(page, url, SECOND)

        notice = page.locator("#rate-limited-title")
        assert await notice.inner_text() == "Будь ласка, трохи зачекайте"
        assert await page.get_by_label("Ваше запитання").input_value() == SECOND
        assert await page.get_by_label("Тема").input_value() == "legal_stay"

        # Sent again as it is, until the window is over (Retry-After: at most 6 s here); each
        # refusal brings the same form back.
        async def sent_again() -> bool:
            async with page.expect_navigation():
                await page.get_by_role("button", name="Надіслати запитання").click()
            return "Ваше запитання надіслано" in await page.locator("h1").inner_text()

        await eventually(sent_again, timeout=20, interval=0.5, what="the question accepted")
        await page.screenshot(path=str(tmp_path / "sent.png"))

        # axe needs scripts (the page itself needs none): the same state with them on.
        checker = await new_page(locale="uk", extra_http_headers={"X-Forwarded-For": client_ip()})
        checker.set_default_timeout(8000)
        await _ask(checker, url, FIRST)
        await _ask_until_refused(checker, url, SECOND)
        assert await checker.locator("#rate-limited-title").is_visible()
        await assert_accessible(checker)
        await checker.screenshot(path=str(tmp_path / "rate-limited.png"), full_page=True)
