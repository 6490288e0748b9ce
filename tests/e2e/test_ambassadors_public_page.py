"""The public page of the competition in a real browser, without JavaScript, in Polish and
Ukrainian: the current edition (its texts in the reader's language or the Polish original
marked), the way to nominate, past laureates named only with their agreement (given on the
laureate's own form from the congratulations mail); axe finds no WCAG 2.1 AA violation."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from services.ambassadors.commands import nominations
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import messages_to, text_of
from tests.helpers.waiting import eventually

CRITERIA = [
    {
        "key": "impact",
        "name": "Wpływ na społeczność",
        "weight": 2,
        "name_i18n": {"uk": "Вплив на громаду"},
    }
]


async def link_to(platform: RunningPlatform, email: str, pattern: str) -> re.Match[str]:
    async def found() -> re.Match[str] | None:
        for message in messages_to(platform, email):
            match = re.search(pattern, text_of(message))
            if match:
                return match
        return None

    return await eventually(found, timeout=20, what=f"a link {pattern} to {email}")


async def past_edition_with_laureates(platform: RunningPlatform) -> tuple[str, str, str]:
    """A published edition of last year with two laureates; one agreed link each (e-mailed)."""
    coordinator = platform.auth("coordinator")
    created = await platform.client.post(
        "/api/ambassadors/editions",
        json={
            "year": datetime.now(UTC).year - 1,
            "nominations_close_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "criteria": CRITERIA,
            "titles": 2,
            "texts": {"pl": {"title": "Edycja jubileuszowa"}},
        },
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    eid = created.json()["id"]
    emails = []
    for name in ("Mariam Haddad", "Taras Bondar"):
        email = f"laureate-{uuid.uuid4().hex[:8]}@example.org"
        resp = await platform.client.post(
            f"/api/ambassadors/editions/{eid}/nominations",
            json={
                "candidate_name": name,
                "candidate_email": email,
                "justification": "Od lat uczy dzieci z Syrii i Ukrainy gry na skrzypcach w "
                "Podgórzu i organizuje wspólne koncerty.",
                "nominator_name": "Jan Nowak",
                "nominator_email": f"jan-{uuid.uuid4().hex[:6]}@example.org",
                "consent": True,
            },
        )
        assert resp.status_code == 201, resp.text
        found = await link_to(
            platform, email, r"/nominations/([0-9a-f-]{36})/accept\?token=([\w-]+)"
        )
        await nominations.accept(platform.runtime, uuid.UUID(found.group(1)), found.group(2))
        emails.append((resp.json()["id"], email))
    await platform.runtime.pool("ambassadors").execute(
        "update editions set nominations_close_at = now() - interval '1 second' where id = $1",
        uuid.UUID(eid),
    )
    resp = await platform.client.post(
        f"/api/ambassadors/editions/{eid}/results",
        json={"laureates": [nid for nid, _ in emails]},
        headers=coordinator,
    )
    assert resp.status_code == 200, resp.text
    found = await link_to(
        platform, emails[0][1], r"(/ambassadors/laureates/[0-9a-f-]{36}/publication\?token=[\w-]+)"
    )
    return eid, found.group(1), emails[1][1]


async def test_a_visitor_finds_the_current_edition_and_the_laureates_in_polish_and_ukrainian(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    past, publication, _ = await past_edition_with_laureates(platform)
    current = await platform.client.post(
        "/api/ambassadors/editions",
        json={
            "year": datetime.now(UTC).year,
            "nominations_close_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "criteria": CRITERIA,
            "texts": {
                "pl": {"title": "Ambasadorzy Wielokulturowości", "description": "Zgłoś sąsiadkę."},
                "uk": {"title": "Амбасадори мультикультурності"},
            },
        },
        headers=platform.auth("coordinator"),
    )
    assert current.status_code == 201, current.text
    current_id = current.json()["id"]

    # The laureate agrees on their own form (Ukrainian, no JavaScript), correcting the text.
    page = await new_page(locale="uk-UA", java_script_enabled=False)
    await page.goto(f"{platform.base_url}{publication}&lang=uk")
    await assert_accessible(page)
    await page.fill("#public_name", "Mariam H.")
    await page.fill(
        "#public_justification",
        "Uczy dzieci z Syrii i Ukrainy gry na skrzypcach w Podgórzu.",
    )
    async with page.expect_navigation():
        await page.get_by_role("button", name="Погоджуюся та оприлюднюю").click()
    assert "Позначте поле" in await page.get_by_role("alert").inner_text()  # the box first
    await page.check("#consent")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Погоджуюся та оприлюднюю").click()
    assert "Дякуємо" in await page.locator("#publication-state").inner_text()
    await assert_accessible(page)

    # Polish: the originals, the way to nominate, the laureates.
    page = await new_page(locale="pl-PL", java_script_enabled=False)
    await page.goto(f"{platform.base_url}/ambassadors?lang=pl")
    await assert_accessible(page)
    main = await page.inner_text("main")
    assert "Ambasadorzy Wielokulturowości" in main and "Wpływ na społeczność" in main
    laureates = await page.locator(f"#laureates-{past}").inner_text()
    assert "Mariam H." in laureates and "skrzypcach" in laureates
    assert "Taras" not in laureates and "Laureat (nazwisko nieopublikowane)" in laureates
    async with page.expect_navigation():
        await page.get_by_role("link", name=re.compile("Zgłoś kandydata na rok")).first.click()
    assert f"/ambassadors/editions/{current_id}/nominate" in page.url
    assert "Ambasadorzy Wielokulturowości" in await page.locator("#edition-title").inner_text()

    # Ukrainian: the Ukrainian title and criterion; the Polish description and the laureate's
    # Polish text marked as Polish, with the note in Ukrainian.
    page = await new_page(locale="uk-UA", java_script_enabled=False)
    await page.goto(f"{platform.base_url}/ambassadors?lang=uk")
    await assert_accessible(page)
    main = await page.inner_text("main")
    assert "Амбасадори мультикультурності" in main and "Вплив на громаду" in main
    assert "польською, ще не перекладено" in main
    laureates = page.locator(f"#laureates-{past}")
    assert "Лауреат (ім'я не оприлюднено)" in await laureates.inner_text()
    assert await laureates.locator('[lang="pl"]').count() >= 1
    await page.goto(f"{platform.base_url}/ambassadors/editions/{past}/results?lang=uk")
    await assert_accessible(page)
    assert "Mariam H." in await page.inner_text("main")
