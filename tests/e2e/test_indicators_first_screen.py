"""The coordinator's first screen at 1280×800 in Polish, Ukrainian and English (issue 19): every
indicator's status in view without scrolling, a row that changes within a second of a new
question sent through the API (no reload, no fetch), no raw code anywhere, no axe violation."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from services.indicators import labels
from services.indicators.domain import current_year
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.registry import indicator_count

VIEWPORT = {"width": 1280, "height": 800}
# Codes people must never read: snake_case tokens (statuses, groups, units, indicator ids'
# halves) and dotted indicator ids.
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
DOTTED = re.compile(r"\b[a-z]+\.[a-z_]+\b")
CODES = {*labels.STATUSES, *labels.GROUPS, *labels.CHANNELS, *labels.UNITS, *labels.EXPECTED_KINDS}


async def signed_in(platform: RunningPlatform, new_page: NewPage, locale: str):  # type: ignore[no-untyped-def]
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(
        Principal(subject="coordinator-first-screen", roles=("coordinator",))
    )
    page = await new_page(locale=locale, viewport=VIEWPORT)
    await page.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    return page


async def new_edition(platform: RunningPlatform) -> str:
    resp = await platform.client.post(
        "/api/bench/editions",
        json={
            "title": "Ławka pierwszego ekranu",
            "held_on": (datetime.now(UTC) + timedelta(days=14)).date().isoformat(),
            "venue": "Centrum Wielokulturowe",
            "audience": "everyone",
            "submissions_close_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def raw_codes(text: str, locale: str) -> set[str]:
    """Codes in `text`; one-word codes ("behind", "none", "email") are words in English, so
    only the Polish and Ukrainian pages are searched for them."""
    found = set(SNAKE.findall(text)) | set(DOTTED.findall(text))
    if locale != "en":
        found |= {w for w in re.findall(r"[\w.]+", text) if w in CODES}
    return found


@pytest.mark.parametrize("locale", ["pl", "uk", "en"])
async def test_every_status_on_the_first_screen_and_a_row_live_within_a_second(
    platform: RunningPlatform, new_page: NewPage, locale: str
) -> None:
    year = current_year()
    edition = await new_edition(platform)
    page = await signed_in(platform, new_page, locale)
    fetched: list[str] = []
    page.on(
        "request",
        lambda r: fetched.append(r.url) if r.resource_type in ("fetch", "xhr") else None,
    )
    await page.goto(f"{platform.base_url}/dashboard?year={year}&lang={locale}")
    await page.locator("#dashboard[data-live='on']").wait_for(timeout=10_000)

    # Every indicator's status is in view, without scrolling.
    rows = page.locator("#glance tbody tr")
    count = await indicator_count(platform)
    assert await rows.count() == count
    for i in range(count):
        status = rows.nth(i).locator(".status")
        box = await status.bounding_box()
        assert box is not None and await status.is_visible()
        name = await rows.nth(i).locator("th").inner_text()
        assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (
            f"{name}: status at y={box['y']:.0f}, below the first screen"
        )
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], name
        # Not hidden under anything or clipped by the table's scrolling region: the status
        # itself is what the browser finds at its centre.
        seen = await status.evaluate(
            "el => { const r = el.getBoundingClientRect();"
            " const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
            " return at !== null && el.contains(at); }"
        )
        assert seen, f"{name}: its status is covered or clipped"

    # No raw code anywhere a person reads (the cards included).
    text = await page.locator("main").inner_text()
    assert raw_codes(text, locale) == set(), raw_codes(text, locale)

    # A question sent through the API changes its row within a second, from the message alone.
    row = page.locator("#glance-bench-questions_received")
    before = int((await row.locator("td.num").first.inner_text()).strip())
    started = time.monotonic()
    resp = await platform.client.post(
        f"/api/bench/editions/{edition}/questions",
        json={
            "text": "Czy w bibliotece w Podgórzu będą książki po ukraińsku dla dzieci?",
            "topic": "culture",
            "language": "pl",
        },
    )
    assert resp.status_code == 201, resp.text
    await page.wait_for_function(
        "n => parseInt(document.querySelector('#glance-bench-questions_received td.num')"
        ".textContent.trim(), 10) > n",
        arg=before,
        timeout=5_000,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the row changed {elapsed:.2f} s after the question"
    assert await page.locator("#glance-bench-questions_received[data-updated='true']").count() == 1
    card = page.locator("#bench-questions_received .indicator-value")
    assert int((await card.inner_text()).strip()) == before + 1
    assert fetched == [], f"the page fetched {fetched}"
    # The polite live region says the change in words.
    name = (await row.locator("th").inner_text()).strip()
    await page.wait_for_function(
        "name => document.getElementById('live-status').textContent.includes(name)", arg=name
    )
    text = await page.locator("main").inner_text()
    assert raw_codes(text, locale) == set(), raw_codes(text, locale)
    await assert_accessible(page)


@pytest.mark.parametrize("locale", ["pl", "uk"])
async def test_a_wide_screen_shows_every_column_without_a_sideways_scroll(
    platform: RunningPlatform, new_page: NewPage, locale: str
) -> None:
    """At 1,440 px and wider the dashboard takes the screen's width and long names and reasons
    wrap: the Expected and Why columns are read, not scrolled to."""
    page = await signed_in(platform, new_page, locale)
    for width in (1440, 1920):
        await page.set_viewport_size({"width": width, "height": 1000})
        await page.goto(f"{platform.base_url}/dashboard?year={current_year()}&lang={locale}")
        scroll = page.locator("#glance .table-scroll")
        sizes = await scroll.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert sizes[0] <= sizes[1], f"{width} px: the table is {sizes[0]} px in {sizes[1]} px"
        reasons = page.locator("#glance tbody td.reason")
        assert await reasons.count() == await indicator_count(platform)
        for cell in (reasons.first, reasons.last):
            box = await cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, (width, box)
            assert (await cell.inner_text()).strip()
