"""The coordinator runs an edition of the Ambassadors of Multiculturalism on the pages, in
Polish, without JavaScript: opens the edition, appoints a juror by name and address, reviews
the nominations residents sent through the public form, closes nominations, and once the jury
has scored reads the ranking and publishes the results through the confirmation that says it
cannot be undone. The coordinator signs in by e-mail as anyone does; axe-core (WCAG 2.1 AA)
checks every page the coordinator saw, error pages included."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.ambassadors.commands import jury, nominations
from services.ambassadors.schemas import ScoresIn
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import link_in, mail_to, sign_in_by_email, text_of

WARSAW = ZoneInfo("Europe/Warsaw")


async def nominate_on_the_form(
    new_page: NewPage, platform: RunningPlatform, edition_id: str, candidate: str, email: str
) -> None:
    """A resident sends a nomination through the public form (no JavaScript)."""
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    await page.goto(f"{platform.base_url}/ambassadors/editions/{edition_id}/nominate")
    await page.fill("#candidate_name", candidate)
    await page.fill("#candidate_email", email)
    await page.fill(
        "#justification",
        f"{candidate} od lat prowadzi w Nowej Hucie spotkania sąsiedzkie dla nowych mieszkańców.",
    )
    await page.fill("#nominator_name", "Jan Nowak")
    await page.fill("#nominator_email", f"jan-{uuid.uuid4().hex[:6]}@example.org")
    await page.check("#consent")
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    assert "AM-" in await page.inner_text("main")


async def test_the_coordinator_runs_an_edition_from_opening_to_the_results(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)

    async def visit() -> None:
        """axe-core on the page as the coordinator sees it (a JavaScript twin of it)."""
        await assert_accessible(page)

    await sign_in_by_email(page, platform, COORDINATOR_EMAIL, next="/ambassadors/staff")
    assert await page.locator("h1").inner_text() == "Ambasadorzy Wielokulturowości: edycje"
    await visit()

    # A new edition: sent with a bad weight first, explained on its field in Polish.
    async with page.expect_navigation():
        await page.get_by_role("link", name="Nowa edycja").click()
    await visit()
    year = datetime.now(WARSAW).year
    close = datetime.now(WARSAW).replace(second=0, microsecond=0) + timedelta(days=14)
    await page.fill("#nominations_close_at", close.strftime("%Y-%m-%d %H:%M"))
    await page.fill("#title", "Ambasadorzy Wielokulturowości Krakowa")
    await page.fill("#description", "Zgłoś osobę, która buduje otwarty, wielokulturowy Kraków.")
    await page.fill("#c1_weight", "0")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Otwórz edycję").click()
    summary = await page.locator(".error-summary").inner_text()
    assert "Kryterium 2: podaj wagę większą od 0" in summary
    assert await page.input_value("#c1_name") == "Długotrwałe zaangażowanie"  # kept
    await visit()
    await page.fill("#c1_weight", "1")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Otwórz edycję").click()
    assert "Edycja jest otwarta" in await page.locator("#done").inner_text()
    assert await page.locator("#nominations-close").inner_text() == close.strftime("%Y-%m-%d %H:%M")
    edition_id = re.search(r"/editions/([0-9a-f-]{36})", page.url).group(1)  # type: ignore[union-attr]
    stored = await platform.runtime.pool("ambassadors").fetchrow(
        "select year, nominations_close_at from editions where id = $1", uuid.UUID(edition_id)
    )
    assert stored["year"] == year
    public = await platform.client.get(f"/ambassadors/editions/{edition_id}/nominate")
    assert "buduje otwarty, wielokulturowy Kraków" in public.text
    assert stored["nominations_close_at"] == close.astimezone(UTC)
    await visit()

    # The jury: appoint a juror by name and address; the invitation mail carries the link.
    async with page.expect_navigation():
        await page.get_by_role("link", name="Jury", exact=True).click()
    await visit()
    juror_email = f"anna-{uuid.uuid4().hex[:6]}@example.org"
    await page.fill("#name", "Anna Wiśniewska")
    await page.fill("#email", juror_email)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Powołaj jurora").click()
    assert "Juror został powołany" in await page.locator("#done").inner_text()
    assert "Anna Wiśniewska" in await page.locator("#jury").inner_text()
    await visit()
    invitation = await mail_to(platform, juror_email)
    assert link_in(invitation).endswith("next=%2Fambassadors%2Fjury")
    # The same address again is explained on the e-mail field.
    await page.fill("#name", "Anna W.")
    await page.fill("#email", juror_email.upper())
    async with page.expect_navigation():
        await page.get_by_role("button", name="Powołaj jurora").click()
    assert (
        "Osoba z tym adresem e-mail jest już w jury"
        in await page.locator("#email-error").inner_text()
    )
    assert await page.input_value("#name") == "Anna W."
    await visit()

    # Residents nominate through the public form; two candidates accept (as from their mail).
    candidates = {}
    for name in ("Olena Kowalenko", "Ahmed Nasser", "Irina Sokolova"):
        email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.org"
        await nominate_on_the_form(new_page, platform, edition_id, name, email)
        candidates[name] = email
    ids = {}
    for name in ("Olena Kowalenko", "Ahmed Nasser"):
        body = text_of(await mail_to(platform, candidates[name]))
        found = re.search(r"/nominations/([0-9a-f-]{36})/accept\?token=([\w-]+)", body)
        assert found, body
        ids[name] = found.group(1)
        await nominations.accept(platform.runtime, uuid.UUID(found.group(1)), found.group(2))

    # The coordinator reviews the list, filtered by state, and one nomination.
    async with page.expect_navigation():
        await page.get_by_role("link", name="Zgłoszenia", exact=True).click()
    rows = await page.locator("#nominations tbody tr").count()
    assert rows == 3
    await visit()
    await page.select_option("#status", "awaiting_acceptance")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Filtruj").click()
    listed = await page.locator("#nominations").inner_text()
    assert "Irina Sokolova" in listed and "Olena Kowalenko" not in listed
    await visit()
    await page.goto(
        f"{platform.base_url}/ambassadors/staff/editions/{edition_id}/nominations?status=accepted"
    )
    async with page.expect_navigation():
        await page.locator("#nominations tbody tr").first.locator("a").click()
    assert "Przyjęte" in await page.locator("#nomination-state").inner_text()
    await visit()

    # Nominations close on the coordinator's word.
    await page.goto(f"{platform.base_url}/ambassadors/staff/editions/{edition_id}")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Zamknij zgłoszenia").click()
    assert "Zgłoszenia są zamknięte" in await page.locator("#done").inner_text()
    await visit()

    # The juror scores both (their own pages are another test's): the coordinator's ranking.
    subject = await platform.runtime.pool("ambassadors").fetchval(
        "select subject from jurors where email = $1", juror_email
    )
    for name, points in (("Olena Kowalenko", (9, 8)), ("Ahmed Nasser", (6, 7))):
        await jury.submit_scores(
            platform.runtime,
            subject,
            uuid.UUID(ids[name]),
            ScoresIn(scores={"c1": points[0], "c2": points[1]}),
        )
    async with page.expect_navigation():
        await page.get_by_role("link", name="Ranking", exact=True).click()
    ranking = page.locator("#ranking tbody tr")
    first = await ranking.nth(0).inner_text()
    assert "Olena Kowalenko" in first and "8,67" in first  # (2*9 + 1*8) / 3
    assert "Ahmed Nasser" in await ranking.nth(1).inner_text()
    assert "Anna Wiśniewska" in await page.locator("#ranking thead").inner_text()
    await visit()

    # Results: choose, then confirm on a page that says it cannot be undone.
    async with page.expect_navigation():
        await page.get_by_role("link", name="Wyniki", exact=True).click()
    await visit()
    await page.get_by_label("Olena Kowalenko", exact=False).check()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Przejdź do potwierdzenia").click()
    assert "Ogłoszenia nie można cofnąć" in await page.locator("#consequence").inner_text()
    assert "Olena Kowalenko" in await page.locator("#chosen").inner_text()
    await visit()
    published = "select published_at from editions where id = $1"
    pool = platform.runtime.pool("ambassadors")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Ogłoś wyniki (ostatecznie)").click()
    assert (
        "aby potwierdzić, że wyniki są ostateczne"
        in await page.locator(".error-summary").inner_text()
    )
    assert await pool.fetchval(published, uuid.UUID(edition_id)) is None
    await visit()
    await page.check("#confirm")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Ogłoś wyniki (ostatecznie)").click()
    assert "Wyniki są ogłoszone" in await page.locator("#done").inner_text()
    assert "Olena Kowalenko" in await page.locator("#laureates").inner_text()
    assert await pool.fetchval(published, uuid.UUID(edition_id)) is not None
    await visit()
