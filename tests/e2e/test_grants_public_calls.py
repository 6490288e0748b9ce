"""A visitor without an account reads the small grants' calls and awards in the browser, in
Polish and in Ukrainian (no JavaScript in the pages; axe checks each page)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec

from services.grants import commands
from services.grants.schemas import CallIn
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.integration.grants.helpers import (
    CRITERIA,
    award_as_the_city,
    eur,
    new_organisation,
    submitted_application,
)


async def a_decided_call(platform: RunningPlatform, tag: str) -> tuple[str, str]:
    now = datetime.now(UTC)
    body = {
        "title": f"Granty na integrację {tag}",
        "description": "Wspieramy projekty integracyjne w dzielnicach Krakowa.",
        "title_i18n": {"uk": f"Гранти на інтеграцію {tag}"},
        "budget_total": eur(900_000),
        "max_per_grant": eur(300_000),
        "opens_at": (now - timedelta(days=2)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "criteria": [{**CRITERIA[0], "name_i18n": {"uk": "Значення для програми"}}, CRITERIA[1]],
    }
    coordinator = Principal(subject="coordinator-e2e-public", roles=("coordinator",))
    call = await commands.create_call(platform.runtime, coordinator, msgspec.convert(body, CallIn))
    call_id = str(call.id)  # type: ignore[union-attr]
    org_id, headers = await new_organisation(platform)
    organisation = f"Stowarzyszenie Sąsiedzi {tag}"
    await platform.runtime.pool("grants").execute(
        "update organisations set name = $2 where id = $1", uuid.UUID(org_id), organisation
    )
    app_id = await submitted_application(platform, call_id, headers)
    await award_as_the_city(platform, call_id, [app_id], now=now + timedelta(hours=2))
    return call_id, organisation


async def test_a_visitor_reads_a_decided_call_and_its_awards_in_polish_and_ukrainian(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    call_id, organisation = await a_decided_call(platform, tag)

    page = await new_page(locale="pl")
    await page.goto(f"{platform.base_url}/?lang=pl")
    async with page.expect_navigation():
        await page.click("main a:has-text('Małe granty dla organizacji')")
    assert page.url.endswith("/grants/calls")
    assert (
        await page.locator("h1").inner_text()
        == "Małe granty dla organizacji: konkursy i przyznane dotacje"
    )
    await assert_accessible(page)
    decided = page.locator("section[aria-labelledby='calls-decided']")
    assert organisation in await decided.inner_text()
    async with page.expect_navigation():
        await page.click(f"a[href='/grants/calls/{call_id}']")
    assert await page.locator("h1").inner_text() == f"Granty na integrację {tag}"
    awards = page.locator("table:has(caption:has-text('Przyznane dotacje'))")
    first = await awards.locator("tbody tr").first.inner_text()
    assert organisation in first and "3000,00" in first.replace("\xa0", "").replace(" ", "")
    await assert_accessible(page)

    # The same page in Ukrainian: the Ukrainian title; the description (Polish only) marked as
    # Polish with a note in Ukrainian; the untranslated criterion marked too.
    await page.goto(f"{platform.base_url}/grants/calls/{call_id}?lang=uk")
    assert await page.get_attribute("html", "lang") == "uk"
    assert await page.locator("h1").inner_text() == f"Гранти на інтеграцію {tag}"
    description = page.locator("main .content-block[lang='pl']")
    assert "Wspieramy projekty" in await description.inner_text()
    assert "польською, ще не перекладено" in await page.locator("main").inner_text()
    assert await page.locator("main td span[lang='pl']").inner_text() == CRITERIA[1]["name"]
    assert "Значення для програми" in await page.locator("main table").first.inner_text()
    assert organisation in await page.locator("main").inner_text()
    await assert_accessible(page)
