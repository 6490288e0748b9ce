"""The Council's public record in the browser, without JavaScript and without an account
(issue 14): a visitor in Polish and one in Ukrainian find the next meeting and its agenda on
/council, open the meeting's page, then a past meeting with its approved minutes and
resolution, and the list of resolutions. Ukrainian versions typed by the secretariat are shown;
what has none is the Polish original marked `lang="pl"`. Every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.participation.council.commands import meetings
from services.participation.council.schemas import AgendaItemIn, Created, MeetingIn
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.integration.council.helpers import SECRETARY, direct_member, meeting
from tests.integration.council.test_public_record import held_by_all


async def _record(platform: RunningPlatform, tag: str) -> dict[str, Any]:
    """A next meeting with an agenda (partly in Ukrainian) and a past one with approved minutes
    and a resolution."""
    await direct_member(platform, name=f"Iryna Bondarenko {tag}")
    created = await meetings.schedule_meeting(
        platform.runtime,
        MeetingIn(
            title=f"Posiedzenie lutowe {tag}",
            starts_at=datetime.now(UTC) + timedelta(minutes=50),  # the soonest: on /council
            place="Sala Portretowa, Plac Wszystkich Świętych 3-4",
        ),
        i18n={"title": {"uk": f"Лютневе засідання {tag}"}},
    )
    assert isinstance(created, Created)
    await meetings.add_agenda_item(
        platform.runtime,
        created.id,
        AgendaItemIn(title=f"Tłumacze w szkołach {tag}"),
        i18n={"title": {"uk": f"Перекладачі в школах {tag}"}},
    )
    secretary = platform.auth(SECRETARY)
    past = await meeting(
        platform, starts_at=datetime.now(UTC) - timedelta(days=3), title=f"Styczeń {tag}"
    )
    await held_by_all(platform, past, guests=1)
    await platform.client.put(
        f"/api/council/meetings/{past}/minutes",
        json={"text": f"Rada omówiła tłumaczy w szkołach {tag}."},
        headers=secretary,
    )
    voted = await platform.client.post(
        f"/api/council/meetings/{past}/resolutions",
        headers=secretary,
        json={
            "kind": "resolution",
            "title": f"Uchwała o tłumaczach {tag}",
            "text": "Rada wnosi o tłumaczy w szkołach.",
            "votes_for": 1,
            "votes_against": 0,
            "votes_abstaining": 0,
        },
    )
    assert voted.status_code == 201, voted.text
    approving = await meeting(
        platform, starts_at=datetime.now(UTC) - timedelta(days=1), title=f"Luty {tag}"
    )
    await held_by_all(platform, approving)
    approved = await platform.client.post(
        f"/api/council/meetings/{past}/minutes/approval",
        json={"at_meeting_id": approving},
        headers=secretary,
    )
    assert approved.status_code == 200, approved.text
    return {"next": str(created.id), "past": past, "number": voted.json()["number"]}


async def _open(page: Any, url: str) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == 200, url


async def test_a_visitor_finds_the_next_meeting_the_minutes_and_resolutions_in_pl_and_uk(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    record = await _record(platform, tag)
    base = platform.base_url

    # In Polish.
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    await _open(page, f"{base}/council?lang=pl")
    await assert_accessible(page)
    next_meeting = page.locator(f"#next-{record['next']}").locator("xpath=..")
    assert f"Tłumacze w szkołach {tag}" in await next_meeting.inner_text()
    async with page.expect_navigation():
        await page.get_by_role("link", name=f"Posiedzenie lutowe {tag}").click()
    assert await page.locator("h1").inner_text() == f"Posiedzenie lutowe {tag}"
    assert f"Tłumacze w szkołach {tag}" in await page.locator("ol.agenda").inner_text()
    await assert_accessible(page)

    await _open(page, f"{base}/council/meetings/{record['past']}?lang=pl")
    text = await page.locator("main").inner_text()
    assert f"Rada omówiła tłumaczy w szkołach {tag}." in text
    assert f"Uchwała o tłumaczach {tag}" in text and "Gość 0" not in text
    await assert_accessible(page)
    await _open(page, f"{base}/council/resolutions?lang=pl")
    assert record["number"] in await page.locator("main").inner_text()
    await assert_accessible(page)

    # In Ukrainian: the secretariat's Ukrainian versions; the rest in Polish, marked so.
    page = await new_page(locale="uk", java_script_enabled=False)
    page.set_default_timeout(10000)
    await _open(page, f"{base}/council?lang=uk")
    assert await page.locator("html").get_attribute("lang") == "uk"
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.get_by_role("link", name=f"Лютневе засідання {tag}").click()
    assert await page.locator("h1").inner_text() == f"Лютневе засідання {tag}"
    assert f"Перекладачі в школах {tag}" in await page.locator("ol.agenda").inner_text()
    place = page.locator('span[lang="pl"]', has_text="Sala Portretowa")
    assert await place.count() == 1
    assert "польською, ще не перекладено" in await page.locator("main").inner_text()
    await assert_accessible(page)

    await _open(page, f"{base}/council/meetings/{record['past']}?lang=uk")
    minutes = page.locator('.minutes[lang="pl"]')
    assert f"Rada omówiła tłumaczy w szkołach {tag}." in await minutes.inner_text()
    await assert_accessible(page)
    await _open(page, f"{base}/council/resolutions?lang=uk")
    assert "Ухвали та рекомендації ради" in await page.locator("h1").inner_text()
    await assert_accessible(page)
