"""The coordinator's programme year in a real browser: updates a task and records a note, sees
risk 4 raised by lagging nominations, writes the narrative, approves the report behind its
confirmation and downloads the PDF; every page passes axe."""

from __future__ import annotations

from pathlib import Path

from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform

YEAR = 2055  # no nomination in that year: risk 4 is raised


async def test_the_coordinator_runs_the_programme_year(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(
        Principal(subject="coordinator-year", roles=("coordinator",))
    )
    page = await new_page(locale="en")
    await page.context.add_cookies(
        [{"name": "okr_session", "value": cookie, "url": platform.base_url}]
    )
    base = platform.base_url

    # Tasks by objective, filtered; a task; a note with a status change.
    await page.goto(f"{base}/programme/tasks?lang=en")
    await assert_accessible(page)
    await page.select_option("#filter-objective", "1")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url("**objective=1**")
    await page.get_by_role("link", name="3. Upgrading the welcome package", exact=False).click()
    await page.wait_for_url("**/programme/tasks/*")
    await assert_accessible(page)
    await page.fill("#text", "Welcome package translated into Ukrainian")
    await page.select_option("#status", "in_progress")
    await page.get_by_role("button", name="Record the note").click()
    await page.wait_for_url("**saved=1**")
    assert "in progress" in await page.locator("#task-status").inner_text()
    assert (
        "Welcome package translated into Ukrainian" in await page.locator("ol.notes").inner_text()
    )

    # Risk 4 is raised by the lagging nominations.
    await page.goto(f"{base}/programme/risks?year={YEAR}")
    row = page.locator('tr[data-risk="4"]')
    assert "raised" in (await row.inner_text()) and "not raised" not in (await row.inner_text())
    await assert_accessible(page)

    # The narrative, the approval behind its confirmation, the PDF.
    await page.goto(f"{base}/programme/report/{YEAR}")
    await assert_accessible(page)
    await page.fill("#narrative_1_en", "The Information Point served more people.")
    await page.fill("#narrative_1_pl", "Punkt Informacyjny obsłużył więcej osób.")
    await page.get_by_role("button", name="Save the narrative").click()
    await page.wait_for_url("**saved=narrative**")
    assert await page.locator("#narrative_1_en").input_value() == (
        "The Information Point served more people."
    )
    await page.get_by_role("link", name="Approve the report…").click()
    await page.wait_for_url(f"**/programme/report/{YEAR}/approve")
    await assert_accessible(page)
    await page.get_by_role("button", name="Yes, approve and publish the report").click()
    await page.wait_for_url("**saved=approved**")
    assert await page.locator("#narrative_1_en").count() == 0  # frozen: no form any more
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Report as PDF (in English)").click()
    download = await download_info.value
    path = await download.path()
    assert path is not None
    assert Path(path).read_bytes()[:5] == b"%PDF-"  # noqa: ASYNC240 - a small local file

    await page.goto(f"{base}/indicators/programme-report/{YEAR}?lang=en")
    assert "The Information Point served more people." in await page.content()
