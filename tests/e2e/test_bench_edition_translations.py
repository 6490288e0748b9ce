"""The coordinator types a new session with its English and Ukrainian versions (no JavaScript),
adds a translation later on the session's texts page; a resident reading in Ukrainian finds the
session in Ukrainian, the untranslated audience in Polish marked `lang="pl"` with a note. Every
page passes axe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform


async def test_a_session_typed_with_translations_reads_in_ukrainian(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(
        Principal(subject=f"coordinator-{uuid.uuid4().hex[:6]}", roles=("coordinator",))
    )
    coordinator = await new_page(locale="pl", java_script_enabled=False)
    coordinator.set_default_timeout(8000)
    await coordinator.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    tag = uuid.uuid4().hex[:6]
    held_on = (datetime.now(UTC) + timedelta(days=30)).date()
    await coordinator.goto(f"{platform.base_url}/bench/staff/editions/new")
    # No translation provider on this platform: no machine-draft button.
    assert await coordinator.locator("button[name=_action][value=draft]").count() == 0
    await assert_accessible(coordinator)

    await coordinator.fill("#title", f"Ławka Dialogu: mieszkanie {tag}")
    await coordinator.fill("#title__en", f"Dialogue Bench: housing {tag}")
    await coordinator.fill("#title__uk", f"Лавка діалогу: житло {tag}")
    await coordinator.fill("#held_on", held_on.isoformat())
    await coordinator.fill("#venue", "Centrum Wielokulturowe, ul. Józefińska 14")
    await coordinator.fill("#venue__uk", "Багатокультурний центр, вул. Юзефінська 14")
    await coordinator.fill("#audience", "mieszkańcy z zagranicy")
    await coordinator.fill("#close_date", (held_on - timedelta(days=5)).isoformat())
    await coordinator.fill("#close_time", "18:00")
    async with coordinator.expect_navigation():
        await coordinator.click("main button[type=submit]:not([name=_action])")
    assert "?done=created" in coordinator.url
    assert "angielski, ukraiński" in await coordinator.locator("#edition-translations").inner_text()
    edition_id = coordinator.url.split("/editions/")[1].split("?")[0]

    # Later: the English venue, on the session's texts page (a refused save first).
    async with coordinator.expect_navigation():
        await coordinator.click("#edit-texts")
    assert await coordinator.input_value("#title__uk") == f"Лавка діалогу: житло {tag}"
    await assert_accessible(coordinator)
    await coordinator.fill("#title", "")
    await coordinator.fill("#venue__en", "Multicultural Centre, 14 Józefińska St")
    async with coordinator.expect_navigation():
        await coordinator.click("main button[type=submit]")
    assert await coordinator.locator(".error-summary").is_visible()
    await assert_accessible(coordinator)
    await coordinator.fill("#title", f"Ławka Dialogu: mieszkanie {tag}")
    async with coordinator.expect_navigation():
        await coordinator.click("main button[type=submit]")
    assert (
        "Teksty i ich tłumaczenia zostały zapisane."
        in await coordinator.locator("#done").inner_text()
    )

    # A resident reading in Ukrainian.
    resident = await new_page(locale="uk", java_script_enabled=False)
    resident.set_default_timeout(8000)
    await resident.goto(f"{platform.base_url}/bench")
    link = resident.get_by_role("link", name=f"Лавка діалогу: житло {tag}")
    assert await link.count() == 1
    await assert_accessible(resident)
    async with resident.expect_navigation():
        await link.click()
    assert edition_id in resident.url
    assert await resident.locator("h1").inner_text() == f"Лавка діалогу: житло {tag}"
    facts = resident.locator(".bench-facts")
    assert "Багатокультурний центр, вул. Юзефінська 14" in await facts.inner_text()
    original = facts.locator('span[lang="pl"]')
    assert await original.inner_text() == "mieszkańcy z zagranicy"
    assert "(польською, ще не перекладено)" in await facts.inner_text()
    await assert_accessible(resident)

    # In English the venue is the coordinator's later translation.
    english = await new_page(locale="en", java_script_enabled=False)
    await english.goto(f"{platform.base_url}/bench/editions/{edition_id}")
    assert (
        "Multicultural Centre, 14 Józefińska St"
        in await english.locator(".bench-facts").inner_text()
    )
