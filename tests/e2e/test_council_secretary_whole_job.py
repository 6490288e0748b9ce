"""A council secretary's whole job in the browser, without JavaScript, in Polish (issue 13).

The coordinator registers the secretary on the secretaries page; the secretary follows the link
of the invitation mail (from the mail folder), opens a call for members, sees the application a
resident sent through the public form, reads it and appoints the applicant, schedules the
month's meetings, decides an agenda item a member proposed, records a meeting as held and a
resolution voted there. Every page of the way passes axe (WCAG 2.1 AA), with a refusal shown
too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.participation.council.commands import meetings
from services.participation.council.domain import WARSAW
from services.participation.council.queries import MemberAt
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import link_in, mail_to, sign_in_by_email

SCHEMA = "participation"


async def submit(page: Any, button: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=button).click()


async def test_a_secretary_does_the_whole_job_from_the_invitation_to_a_resolution(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    auth = platform.runtime.auth
    assert auth is not None
    tag = uuid.uuid4().hex[:6]
    visited: list[tuple[str, str]] = []  # (role, url) of every page shown, for axe at the end

    # The coordinator registers the secretary on the secretaries page.
    coordinator = await new_page(locale="pl", java_script_enabled=False)
    coordinator.set_default_timeout(10000)
    await sign_in_by_email(
        coordinator, platform, COORDINATOR_EMAIL, next="/council/staff/secretaries"
    )
    assert await coordinator.locator("h1").inner_text() == "Sekretarze Rady"
    await submit(coordinator, "Dodaj sekretarza i wyślij zaproszenie")  # empty: refused
    assert (
        "Wpisz imię i nazwisko sekretarza"
        in await coordinator.locator(".error-summary").inner_text()
    )
    visited.append(("coordinator", "refused"))
    address = f"sekretarz-{tag}@example.org"
    await coordinator.get_by_label("Imię i nazwisko").fill("Maria Sekretarz")
    await coordinator.locator("#email").fill(address)
    await submit(coordinator, "Dodaj sekretarza i wyślij zaproszenie")
    assert "Sekretarz został dodany" in await coordinator.locator("#done").inner_text()
    assert address in await coordinator.locator("#secretary-list").inner_text()
    visited.append(("coordinator", coordinator.url))

    # The secretary follows the invitation's link from the mail folder.
    invitation = await mail_to(platform, address, subject_contains="Sekretariat Rady")
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    assert "/auth/link?" in link_in(invitation)
    # The secretary gets in on their own: the e-mail sign-in form, its link from the mail.
    await sign_in_by_email(page, platform, address)
    assert await page.locator("h1").inner_text() == "Posiedzenia Rady"
    subject = await platform.runtime.pool(SCHEMA).fetchval(
        "select subject from council_secretaries where email = $1", address
    )

    # A call for members: opened on its page.
    await page.get_by_role("link", name="Nabory i zgłoszenia").click()
    assert await page.locator("h1").inner_text() == "Nabory członków"
    now_local = datetime.now(UTC).astimezone(WARSAW)
    title = f"Nabór do Rady {tag}"
    await page.locator("#title").fill(title)
    await page.locator("#description").fill(
        "Szukamy osób, które chcą współtworzyć politykę równego traktowania."
    )
    await page.get_by_label("Pierwszy dzień kadencji").fill(
        (now_local.date() - timedelta(days=1)).isoformat()
    )
    await page.get_by_label("Ostatni dzień kadencji").fill(
        (now_local.date() + timedelta(days=730)).isoformat()
    )
    await page.get_by_label("Dzień otwarcia").fill(
        (now_local.date() - timedelta(days=1)).isoformat()
    )
    await page.get_by_label("Dzień zamknięcia").fill(
        (now_local.date() + timedelta(days=14)).isoformat()
    )
    await page.get_by_label("Mieszkańcy z doświadczeniem migracji").fill("2")
    await submit(page, "Ogłoś nabór")
    assert "Nabór został ogłoszony" in await page.locator("#done").inner_text()
    call_url = page.url.split("?")[0]
    visited.append(("secretary", call_url))
    visited.append(("secretary", f"{platform.base_url}/council/staff/calls"))

    # A resident applies through the public form.
    applicant = await new_page(locale="pl", java_script_enabled=False)
    applicant.set_default_timeout(10000)
    await applicant.goto(f"{call_url.replace('/staff/calls/', '/calls/')}/apply")
    await applicant.get_by_label("osoba prywatna").check()
    await applicant.get_by_label("Mieszkańcy z doświadczeniem migracji").check()
    await applicant.locator("#name").fill(f"Olena Kovalenko {tag}")
    applicant_address = f"olena-{tag}@example.org"
    await applicant.locator("#email").fill(applicant_address)
    await applicant.locator("#motivation").fill(
        "Mieszkam w Krakowie od ośmiu lat i pomagam sąsiadom z Ukrainy w urzędach."
    )
    await applicant.locator("#consent").check()
    await submit(applicant, "Wyślij zgłoszenie")
    assert "RRT-" in await applicant.locator("main").inner_text()

    # The secretary sees it on the call, reads it and appoints the applicant.
    await page.goto(call_url)
    row = page.locator("#application-list tr", has_text=f"Olena Kovalenko {tag}")
    assert "jeszcze nierozpatrzone" in await row.inner_text()
    async with page.expect_navigation():
        await row.get_by_role("link").click()
    assert "ośmiu lat" in await page.locator("main").inner_text()
    visited.append(("secretary", page.url))
    await submit(page, "Powołaj kandydata")
    assert "Członek został powołany" in await page.locator("#done").inner_text()
    assert f"Olena Kovalenko {tag}" in await page.locator("#current").inner_text()
    visited.append(("secretary", page.url.split("?")[0]))
    welcome = await mail_to(platform, applicant_address, subject_contains="Powołanie")
    assert "/council/my" in link_in(welcome).replace("%2F", "/")

    # The month's meetings: a series of two.
    await page.get_by_role("link", name="Posiedzenia", exact=True).click()
    series = f"Comiesięczne posiedzenie {tag}"
    await page.locator("#m_title").fill(series)
    first_day = now_local.date() + timedelta(days=3)
    await page.get_by_label("Data pierwszego posiedzenia").fill(first_day.isoformat())
    await page.locator("#m_time").fill("17:30")
    await page.locator("#m_place").fill("Sala Obrad, Plac Wszystkich Świętych 3-4")
    await page.get_by_label("Liczba posiedzeń").fill("2")
    await submit(page, "Zaplanuj comiesięczne posiedzenia i zaproś członków")
    assert (
        "Comiesięczne posiedzenia zostały zaplanowane" in await page.locator("#done").inner_text()
    )
    assert await page.locator("#upcoming tr", has_text=series).count() == 2
    visited.append(("secretary", f"{platform.base_url}/council/staff"))

    # A member (the one just appointed) proposed an item for the first; the secretary accepts it.
    pool = platform.runtime.pool(SCHEMA)
    first = await pool.fetchval(
        "select id from council_meetings where title = $1 order by starts_at limit 1", series
    )
    member_subject = await pool.fetchval(
        "select subject from council_members where email = $1", applicant_address
    )
    await meetings.propose(
        platform.runtime, MemberAt(member_subject, first), f"Tłumacze w urzędach {tag}", None
    )
    await page.goto(f"{platform.base_url}/council/staff/meetings/{first}")
    await submit(page, "Przyjmij: dodaj do porządku obrad")
    assert "Propozycja została przyjęta" in await page.locator("#done").inner_text()
    assert "przyjęty" in await page.locator("#agenda").inner_text()
    visited.append(("secretary", page.url.split("?")[0]))

    # Today's meeting, scheduled an hour ago, is recorded as held with everyone in office.
    started = datetime.now(UTC).astimezone(WARSAW) - timedelta(hours=1)
    await page.goto(f"{platform.base_url}/council/staff")
    today_title = f"Posiedzenie Rady {tag}"
    await page.locator("#title").fill(today_title)
    await page.locator("#date").fill(started.date().isoformat())
    await page.locator("#time").fill(started.strftime("%H:%M"))
    await page.locator("#place").fill("Sala Obrad")
    await submit(page, "Zaplanuj posiedzenie i zaproś członków")
    for box in await page.locator("input[name=member]").all():
        await box.check()
    await submit(page, "Zapisz jako odbyte")
    assert "Kworum" in await page.locator("main").inner_text()

    # A resolution: refused without the confirmation, then recorded.
    await page.locator("#r_title").fill(f"Uchwała o tłumaczach {tag}")
    await page.locator("#r_text").fill("Rada rekomenduje zatrudnienie tłumaczy.")
    await page.get_by_label("Głosy za").fill("1")
    await page.get_by_label("Głosy przeciw").fill("0")
    await page.get_by_label("Wstrzymujący się").fill("0")
    await submit(page, "Zapisz głosowanie")
    assert (
        "Zaznacz pole, aby potwierdzić głosy" in await page.locator(".error-summary").inner_text()
    )
    assert await page.locator("#r_text").input_value() == (
        "Rada rekomenduje zatrudnienie tłumaczy."
    )
    await page.get_by_label("Tak, zapisz te głosy").check()
    await submit(page, "Zapisz głosowanie")
    assert "Głosowanie zostało zapisane" in await page.locator("#done").inner_text()
    listed = await page.locator("#resolution-list").inner_text()
    assert f"Uchwała o tłumaczach {tag}" in listed
    assert "za: 1" in listed
    visited.append(("secretary", page.url.split("?")[0]))

    # axe on every page shown (scripts on only for axe; the pages have none).
    sessions = {
        "secretary": auth.session_token(Principal(subject=subject, roles=("council_secretary",))),
        "coordinator": auth.session_token(
            Principal(subject="coordinator-e2e", roles=("coordinator",))
        ),
    }
    for role, url in visited:
        checker: Any = await new_page(locale="pl")
        checker.set_default_timeout(10000)
        await checker.context.add_cookies(
            [{"name": "okr_session", "value": sessions[role], "url": platform.base_url}]
        )
        if url == "refused":
            await checker.goto(f"{platform.base_url}/council/staff/secretaries")
            async with checker.expect_navigation():
                await checker.get_by_role(
                    "button", name="Dodaj sekretarza i wyślij zaproszenie"
                ).click()
            assert await checker.locator(".error-summary").is_visible()
        else:
            await checker.goto(url)
        await assert_accessible(checker)
