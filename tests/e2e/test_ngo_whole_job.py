"""An NGO does its whole job in the browser, in Polish, with JavaScript off: it registers itself
from the public page, confirms from the mail, fills in the organisation (a wrong NIP first),
applies to an open call, and after the city's award submits the final report from the link in
the award mail. A second representative asks to join and is approved by the first. axe checks
every page. What the city does (the call, the evaluation and the decision) is set up through
its use-case functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from services.grants import commands, commands_ngo
from services.grants.schemas import CallIn, OrganisationIn, RegistrationIn
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in, mail_to, sign_in_by_email
from tests.integration.grants.helpers import CRITERIA, award_as_the_city, eur, valid_nip

COORDINATOR = Principal(subject="coordinator-e2e-ngo", roles=("coordinator",))


async def follow(page: Any, link: str) -> None:
    """Open a mailed sign-in link (its page checked too) and press its button."""
    await page.goto(link)
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.click("main form[action='/auth/link'] button[type=submit]")


async def submit(page: Any, selector: str = "main form[method=post] button[type=submit]") -> None:
    async with page.expect_navigation():
        await page.click(selector)


async def open_call(closes_in: timedelta) -> CallIn:
    now = datetime.now(UTC)
    return msgspec.convert(
        {
            "title": f"Małe granty na integrację {uuid.uuid4().hex[:4]}",
            "budget_total": eur(900_000),
            "max_per_grant": eur(300_000),
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + closes_in).isoformat(),
            "criteria": CRITERIA,
            "objectives": [3],
        },
        CallIn,
    )


async def test_a_new_ngo_registers_applies_and_reports_in_the_browser(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    runtime = platform.runtime
    base = platform.base_url
    call_data = await open_call(timedelta(hours=2))
    call = await commands.create_call(runtime, COORDINATOR, call_data)
    address = f"olena-{uuid.uuid4().hex[:8]}@example.org"
    org_name = f"Fundacja Wspólny Kraków {uuid.uuid4().hex[:4]}"

    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(15000)
    await page.goto(f"{base}/grants/register")
    assert await page.locator("h1").inner_text() == "Zarejestruj organizację w małych grantach"
    await assert_accessible(page)
    # Sent empty: every field says what it needs, in Polish.
    await submit(page)
    summary = await page.locator(".error-summary").inner_text()
    assert "Wpisz swoje imię i nazwisko" in summary
    assert "Wyraź zgodę na przetwarzanie danych osobowych" in summary
    await assert_accessible(page)
    await page.fill("#name", "Olena Kovalenko")
    await page.fill("#email", address)
    await page.check("#consent")
    await submit(page)
    assert await page.locator("h1").inner_text() == "Sprawdź pocztę"
    assert address in await page.locator("#sent").inner_text()
    await assert_accessible(page)

    # The mail's link signs her in to the organisation form.
    confirm = await mail_to(platform, address, subject_contains="Potwierdź rejestrację")
    await follow(page, link_in(confirm))
    assert page.url == f"{base}/grants/organisation/new"
    assert await page.locator("h1").inner_text() == "Zarejestruj organizację"
    await assert_accessible(page)
    await page.fill("#name", org_name)
    await page.fill("#nip", "1234567890")
    await page.check("#kind")
    await page.fill("#email", f"biuro-{uuid.uuid4().hex[:6]}@example.org")
    await submit(page)
    assert "cyfra kontrolna się nie zgadza" in await page.locator("#nip-error").inner_text()
    assert await page.input_value("#name") == org_name  # what was typed is kept
    assert await page.input_value("#nip") == "1234567890"
    await assert_accessible(page)
    await page.fill("#nip", valid_nip())
    await submit(page)
    assert page.url == f"{base}/grants"
    await assert_accessible(page)

    # She applies to the open call and submits.
    async with page.expect_navigation():
        await page.click(f"a[href='/grants/calls/{call.id}/apply']")  # type: ignore[union-attr]
    await page.fill("#title", "Warsztaty językowe dla rodzin")
    await page.fill("#summary", "Cotygodniowe warsztaty języka polskiego dla rodzin z Ukrainy.")
    await page.check("#objectives")
    await page.fill("#requested", "2500,00")
    await page.fill("#line0_category", "honoraria")
    await page.fill("#line0_description", "prowadząca")
    await page.fill("#line0_amount", "2500")
    await submit(page)
    app_id = page.url.rstrip("/").split("/")[-1]
    async with page.expect_navigation():
        await page.get_by_role("button", name="Złóż wniosek").click()
    assert await page.locator("#application-status").inner_text() == "Złożony"

    # The city evaluates and awards (after the call closed), as its pages would.
    await award_as_the_city(
        platform,
        call.id,  # type: ignore[union-attr]
        [app_id],
        now=call_data.closes_at + timedelta(minutes=1),
    )
    award = await mail_to(platform, address, subject_contains="otrzymał dotację")
    await follow(page, link_in(award))
    assert page.url == f"{base}/grants/applications/{app_id}/report"
    assert await page.locator("h1").inner_text() == "Sprawozdanie końcowe"
    await assert_accessible(page)
    await submit(page)
    summary = await page.locator(".error-summary").inner_text()
    assert "Opisz zrealizowane działania" in summary and "Zaznacz pole" in summary
    await assert_accessible(page)
    await page.fill("#activities", "Dwanaście warsztatów w Podgórzu, 45 rodzin, wycieczka.")
    await page.fill("#participants_reached", "45")
    await page.fill("#spent", "2450,00")
    await page.check("#final")
    await submit(page)
    assert page.url == f"{base}/grants/applications/{app_id}/report"
    assert await page.locator("#report-status").inner_text() == "Złożone, czeka na ocenę miasta"
    await assert_accessible(page)
    report = await runtime.pool("grants").fetchrow(
        "select participants_reached, spent from reports where application_id = $1",
        uuid.UUID(app_id),
    )
    assert (report["participants_reached"], report["spent"]) == (45, 245_000)

    # Another day: she signs in by e-mail (the kit asks grants who the address is) and acts
    # for her organisation again.
    later = await new_page(locale="pl", java_script_enabled=False)
    later.set_default_timeout(15000)
    await sign_in_by_email(later, platform, address)
    assert later.url == f"{base}/grants"
    assert await later.locator(f"a[href='/grants/applications/{app_id}/report']").count() == 1


async def test_a_second_representative_joins_and_is_approved_in_the_browser(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    runtime = platform.runtime
    base = platform.base_url
    # The first representative registered earlier (their own pages, told above).
    first = f"maria-{uuid.uuid4().hex[:8]}@example.org"
    await commands_ngo.request_registration(
        runtime,
        msgspec.convert(
            {"name": "Maria Wiśniewska", "email": first, "consent": True, "language": "pl"},
            RegistrationIn,
        ),
    )
    (subject,) = await runtime.pool("grants").fetchrow(
        "select subject from registrations where email = $1", first
    )
    org_name = f"Stowarzyszenie Sąsiedzi {uuid.uuid4().hex[:6]}"
    await commands.register_organisation(
        runtime,
        Principal(subject=subject, roles=("ngo",)),
        msgspec.convert(
            {"name": org_name, "nip": valid_nip(), "kind": "ngo", "email": first}, OrganisationIn
        ),
    )

    second = f"piotr-{uuid.uuid4().hex[:8]}@example.org"
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(15000)
    await page.goto(f"{base}/grants/join")
    await assert_accessible(page)
    await page.fill("#q", org_name.split()[-1])
    async with page.expect_navigation():
        await page.click("form[role=search] button")
    await page.get_by_label(org_name, exact=False).check()
    await page.fill("#name", "Piotr Nowak")
    await page.fill("#email", second)
    await page.check("#consent")
    await assert_accessible(page)
    await submit(page)
    assert await page.locator("h1").inner_text() == "Sprawdź pocztę"

    await follow(
        page, link_in(await mail_to(platform, second, subject_contains="Potwierdź prośbę"))
    )
    assert "/grants/join/" in page.url
    await assert_accessible(page)
    await submit(page)
    assert "Wysłana" in await page.locator("#join-status").inner_text()

    # The first representative decides, from the mail's link.
    approver = await new_page(locale="pl", java_script_enabled=False)
    approver.set_default_timeout(15000)
    await follow(
        approver, link_in(await mail_to(platform, first, subject_contains="Piotr Nowak prosi"))
    )
    assert "/grants/join-requests/" in approver.url
    await assert_accessible(approver)
    await submit(approver, "button[value=approve]")  # without ticking the confirmation
    assert "Zaznacz pole, aby potwierdzić." in await approver.locator("#confirm-error").inner_text()
    await assert_accessible(approver)
    await approver.check("#confirm")
    await submit(approver, "button[value=approve]")
    assert "Zatwierdzona" in await approver.locator("#join-status").inner_text()
    await assert_accessible(approver)
    async with approver.expect_navigation():
        await approver.get_by_role("link", name="Wszystkie prośby").click()
    assert await approver.locator("#join-requests").count() == 0  # nothing left to decide
    await assert_accessible(approver)

    # He hears it and signs in acting for the organisation.
    await follow(page, link_in(await mail_to(platform, second, subject_contains="Działasz teraz")))
    assert page.url == f"{base}/grants"
    assert await page.locator("h1").inner_text() == "Małe granty"
