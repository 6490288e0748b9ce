""" "Your work" and the signed-in header in Chromium, without JavaScript: a coordinator signs in
with a one-time link and lands on /work (pl and uk, 1280 and 360 px wide); the page and its
header pass axe (WCAG 2.1 AA), the header fits a phone without sideways scrolling, shows who is
signed in and marks the current area; keyboard focus is visible on its links.

The page's items come from two test services (tests/helpers/work_services.py) on a platform of
their own; there the coordinator signs in with a one-time link, because the e-mail form's mail
is sent by a worker, and a second platform's worker would share the session platform's job
queue. On the whole platform the coordinator signs in through the e-mail form.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import Servers
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import sign_in_by_email
from tests.helpers.work_services import work_site

TEXT = {
    "pl": {
        "h1": "Twoje zadania",
        "who": "Zalogowano jako: koordynator programu",
        "overdue": "2 po terminie",
        "failed": "broken: nie udało się teraz policzyć",
        "bench": "Pytania do Ławki",
        "areas": "Twoje obszary",
    },
    "uk": {
        "h1": "Ваші завдання",
        "who": "Ви увійшли як: координатор програми",
        "overdue": "2 прострочені",
        "failed": "broken: зараз не вдалося підрахувати",
        "bench": "Запитання до Лавки",
        "areas": "Ваші розділи",
    },
}


@pytest.fixture(scope="module")
async def site(
    servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningPlatform]:
    async with work_site(servers, tmp_path_factory.mktemp("work-e2e")) as running:
        yield running


async def _sign_in(page: Any, site: RunningPlatform, role: str, lang: str) -> None:
    assert site.runtime.auth is not None
    token = site.runtime.auth.login_link_token(f"{role}-work-e2e", role)
    await page.goto(f"{site.base_url}/auth/link?token={token}&lang={lang}")
    async with page.expect_navigation():
        await page.click("main button[type=submit]")


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("lang", ["pl", "uk"])
async def test_the_coordinator_lands_on_their_work(
    site: RunningPlatform, new_page: NewPage, lang: str, width: int
) -> None:
    page = await new_page(
        locale=lang, java_script_enabled=False, viewport={"width": width, "height": 800}
    )
    page.set_default_timeout(8000)
    await _sign_in(page, site, "coordinator", lang)
    words = TEXT[lang]
    assert page.url.endswith("/work")
    assert await page.locator("h1").inner_text() == words["h1"]
    main = page.locator("main")
    # Overdue first, said in words; each item a link to where the work is done.
    first = main.locator(".work-item").first
    assert words["overdue"] in await first.inner_text()
    assert await first.get_by_role("link").get_attribute("href") == "/council/staff?todo=1"
    assert words["failed"] in await main.inner_text()

    header = page.locator("header")
    assert words["who"] in await header.inner_text()
    current = header.get_by_role("navigation", name=words["areas"]).locator('[aria-current="page"]')
    assert await current.inner_text() == words["h1"]
    assert await current.get_attribute("href") == "/work"
    # The whole page fits the window: nothing scrolls sideways, even at 360 px.
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    await assert_accessible(page)

    # The header's links take keyboard focus visibly (outline and yellow background).
    bench = header.get_by_role("link", name=words["bench"])
    await bench.focus()
    style = await bench.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.backgroundColor]; }"
    )
    assert style[0] == "solid" and style[1] == "rgb(255, 221, 0)", style
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.endswith("/bench/staff")


async def test_the_coordinator_signs_in_by_email_and_goes_from_work_to_each_area(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    """The whole platform: the e-mail form, the mail's link, /work, then the header's links."""
    page = await new_page(
        locale="pl", java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page.set_default_timeout(8000)
    await sign_in_by_email(page, platform, COORDINATOR_EMAIL)
    assert page.url == f"{platform.base_url}/work"
    assert await page.locator("h1").inner_text() == "Twoje zadania"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await assert_accessible(page)
    nav = page.get_by_role("navigation", name="Twoje obszary")
    for name, path in (
        ("Pulpit wskaźników", "/dashboard"),
        ("Pytania do Ławki", "/bench/staff"),
        ("Konkursy grantowe", "/grants/coordinator"),
        ("Posiedzenia Rady", "/council/staff"),
    ):
        async with page.expect_navigation():
            await nav.get_by_role("link", name=name, exact=True).click()
        assert page.url.startswith(f"{platform.base_url}{path}"), (name, page.url)
        current = nav.locator('[aria-current="page"]')
        assert await current.inner_text() == name
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360, path
