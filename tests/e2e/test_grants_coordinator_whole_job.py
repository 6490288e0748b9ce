"""The grants coordinator's whole job in the browser, in Polish, without JavaScript: a call in
three languages (changed before it opens), the formal check of an NGO's application, two
evaluators added and invited, the decision (confirmed: it cannot be undone) and the review of
the grantee's final report. What the NGO and the evaluators did in between is set up with the
same use-case functions their pages call. axe checks every page visited."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec

from services.grants import commands
from services.grants.schemas import ApplicationIn, EvaluationIn, OrganisationIn, ReportIn
from shared.auth import Principal
from shared.events import utcnow
from shared.refusals import WARSAW
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import mail_to, sign_in_by_email, text_of
from tests.helpers.waiting import eventually
from tests.integration.grants.helpers import valid_nip


async def sign_in(page: Any, platform: RunningPlatform, principal: Principal) -> None:
    """A one-time link made for the coordinator (in production they come through the city's
    identity provider; the session is the same)."""
    assert platform.runtime.auth is not None
    token = platform.runtime.auth.login_link_token(principal.subject, principal.roles[0])
    await page.goto(f"{platform.base_url}/auth/link?token={token}")
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")


def warsaw_field(moment: datetime) -> str:
    """A moment as typed in a datetime-local field (Warsaw wall time, to the second)."""
    return moment.astimezone(WARSAW).strftime("%Y-%m-%dT%H:%M:%S")


async def submit(page: object) -> None:
    async with page.expect_navigation():  # type: ignore[attr-defined]
        await page.click("main form button[type=submit]")  # type: ignore[attr-defined]


async def test_the_coordinator_runs_a_call_from_publication_to_the_final_report(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    runtime = platform.runtime
    grants = runtime.pool("grants")
    tag = uuid.uuid4().hex[:6]
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(15000)
    await sign_in_by_email(page, platform, COORDINATOR_EMAIL, next="/grants/coordinator")
    await page.goto(f"{platform.base_url}/grants/coordinator")
    await assert_accessible(page)

    # 1. A new call, its texts in three languages; money typed in złoty, times in Warsaw.
    now = utcnow()
    opens, closes = now + timedelta(seconds=75), now + timedelta(seconds=90)
    title = f"Małe granty dla sąsiadów {tag}"
    await page.fill("#title", title)
    await page.fill("#description", "Wspieramy projekty integracyjne.")
    await page.fill("#title__en", f"Small grants for neighbours {tag}")
    await page.fill("#description__en", "We support inclusion projects.")
    await page.fill("#title__uk", f"Малі гранти для сусідів {tag}")
    await page.fill("#description__uk", "Ми підтримуємо інтеграційні проєкти.")
    await page.fill("#budget_total", "100 000,00")
    await page.fill("#max_per_grant", "5000")
    await page.fill("#opens_at", warsaw_field(opens))
    await page.fill("#closes_at", warsaw_field(closes))
    await page.fill("#c0_key", "relevance")
    await page.fill("#c0_name", "Znaczenie dla programu")
    await page.fill("#c0_name__en", "Relevance to the programme")
    await page.fill("#c0_name__uk", "Значення для програми")
    await page.fill("#c0_weight", "2")
    await page.fill("#c0_max", "10")
    await page.fill("#c1_key", "feasibility")
    await page.fill("#c1_name", "Wykonalność")
    await page.fill("#c1_name__en", "Feasibility")
    await page.fill("#c1_name__uk", "Здійсненність")
    await page.fill("#c1_weight", "1")
    await page.fill("#c1_max", "5")
    await submit(page)
    assert await page.locator("h1").inner_text() == title
    assert await page.locator("#call-state").inner_text() == "ogłoszony"
    await assert_accessible(page)
    call_id = uuid.UUID(page.url.rstrip("/").split("/")[-1])
    row = await grants.fetchrow(
        "select budget_total, max_per_grant, opens_at, title_i18n from calls where id=$1",
        call_id,
    )
    assert (row["budget_total"], row["max_per_grant"]) == (10_000_000, 500_000)  # grosze
    assert row["opens_at"] == opens.replace(microsecond=0)
    assert row["title_i18n"]["uk"] == f"Малі гранти для сусідів {tag}"

    # Changed before it opens: the maximum per grant goes down to 4 000 zł.
    async with page.expect_navigation():
        await page.click("text=Zmień konkurs")
    await assert_accessible(page)
    assert await page.input_value("#max_per_grant") == "5000.00"
    assert await page.input_value("#c0_name__uk") == "Значення для програми"
    await page.fill("#max_per_grant", "4 000")
    await submit(page)
    assert await grants.fetchval("select max_per_grant from calls where id=$1", call_id) == 400_000

    # 2. The NGO's application exists (its representative applied and submitted while open).
    ngo = Principal(subject=f"ngo-{tag}", roles=("ngo",))
    ngo_email = f"fundacja-{tag}@example.org"
    organisation = msgspec.convert(
        {"name": "Fundacja Most", "nip": valid_nip(), "kind": "ngo", "email": ngo_email},
        OrganisationIn,
    )
    await commands.register_organisation(runtime, ngo, organisation)
    application = msgspec.convert(
        {
            "title": f"Sąsiedzkie warsztaty {tag}",
            "summary": "Cotygodniowe warsztaty dla sąsiadów różnych pochodzeń.",
            "objectives": [3],
            "requested": {"amount": 300_000, "currency": "PLN"},
            "budget_lines": [
                {
                    "category": "honoraria",
                    "description": "trenerzy",
                    "amount": {"amount": 300_000, "currency": "PLN"},
                }
            ],
        },
        ApplicationIn,
    )
    created = await commands.create_application(runtime, ngo, call_id, application)
    app_id = created.id  # type: ignore[union-attr]
    await commands.submit_application(runtime, ngo, app_id, now=opens + timedelta(seconds=1))

    # 3. The formal check: the application's content, pass or fail per criterion.
    await page.goto(f"{platform.base_url}/grants/coordinator/calls/{call_id}")
    async with page.expect_navigation():
        await page.click("text=Ocena formalna")
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.click(f"text=Sąsiedzkie warsztaty {tag}")
    await assert_accessible(page)
    assert "Cotygodniowe warsztaty" in await page.locator("main").inner_text()
    for criterion in ("applicant_eligible", "complete", "budget"):
        await page.check(f"#check_{criterion}")  # the first radio: passes
    await submit(page)  # one criterion left unanswered
    summary = await page.locator(".error-summary").inner_text()
    assert "Wybierz, czy wniosek spełnia to kryterium." in summary
    assert await page.get_attribute("#check_objectives", "aria-invalid") == "true"
    assert await page.is_checked("#check_budget")  # what was chosen is kept
    await assert_accessible(page)
    await page.check("#check_objectives")
    await submit(page)
    assert "Żaden wniosek nie czeka na ocenę formalną." in await page.locator("main").inner_text()
    await assert_accessible(page)
    told = await mail_to(platform, ngo_email, subject_contains="ocenę formalną")
    assert "przeszedł ocenę formalną" in text_of(told)

    # 4. The evaluator pool: two people added by name and address, each invited.
    await page.goto(f"{platform.base_url}/grants/coordinator/calls/{call_id}/evaluators")
    await assert_accessible(page)
    await page.fill("#name", "Ewa Nowak")
    await page.fill("#email", "ewa at example")
    await submit(page)
    assert await page.get_attribute("#email", "aria-invalid") == "true"
    assert await page.input_value("#name") == "Ewa Nowak"
    await assert_accessible(page)
    evaluators = [(f"ewa-{tag}@example.org", "pl"), (f"oksana-{tag}@example.org", "uk")]
    for address, lang in evaluators:
        await page.fill("#name", "Ewa Nowak" if lang == "pl" else "Oksana Kovalenko")
        await page.fill("#email", address)
        await page.select_option("#language", lang)
        async with page.expect_navigation():  # the pool's rows have forms of their own (remove)
            await page.click("text=Dodaj i zaproś")
    pool = await page.locator("#pool").inner_text()
    assert (
        "Ewa Nowak" in pool and "Oksana Kovalenko" in pool and f"Sąsiedzkie warsztaty {tag}" in pool
    )
    await assert_accessible(page)
    invitation = await mail_to(platform, evaluators[1][0])
    assert f"Малі гранти для сусідів {tag}" in str(invitation["Subject"])
    assert "next=%2Fgrants%2Fevaluate" in text_of(invitation)

    # The evaluators score on their own pages.
    for address, _ in evaluators:
        subject = await grants.fetchval(
            "select subject from evaluators where email=$1 and call_id=$2", address, call_id
        )
        await commands.evaluate(
            runtime,
            Principal(subject=subject, roles=("evaluator",)),
            app_id,
            EvaluationIn(scores={"relevance": 9, "feasibility": 4}),
        )

    # 5. The decision, once the call has closed: confirmed, since it cannot be undone.
    call_page = f"{platform.base_url}/grants/coordinator/calls/{call_id}"

    async def closed() -> bool:
        await page.goto(call_page)
        return await page.locator("#confirm").count() == 1

    await eventually(closed, timeout=150, interval=2, what="the call to close")
    await assert_accessible(page)
    assert await page.input_value(f"#award_{app_id}") == "3000.00"
    await submit(page)  # not ticked
    assert "nie można cofnąć" in await page.locator("#confirm-error").inner_text()
    await assert_accessible(page)
    assert await grants.fetchval("select count(*) from awards where call_id=$1", call_id) == 0
    await page.check("#confirm")
    await submit(page)
    awards = " ".join((await page.locator("main ol").inner_text()).split())  # nbsp too
    assert f"Sąsiedzkie warsztaty {tag} – Fundacja Most: 3 000,00 zł" in awards
    assert (
        await grants.fetchval("select amount from awards where application_id=$1", app_id)
        == 300_000
    )
    await assert_accessible(page)

    # 6. The grantee's final report, returned with what to correct.
    report = msgspec.convert(
        {
            "activities": "Dwanaście warsztatów dla 40 rodzin.",
            "participants_reached": 40,
            "spent": {"amount": 290_000, "currency": "PLN"},
        },
        ReportIn,
    )
    await commands.submit_report(runtime, ngo, app_id, report)
    await page.goto(call_page)
    async with page.expect_navigation():
        await page.click("text=Sprawozdanie końcowe do oceny")
    await assert_accessible(page)
    assert "Dwanaście warsztatów" in await page.locator("main").inner_text()
    await page.check("#review-2")  # return it
    await submit(page)  # without saying what to correct
    assert await page.get_attribute("#comment", "aria-invalid") == "true"
    assert (
        "Napisz, co organizacja musi poprawić." in await page.locator(".error-summary").inner_text()
    )
    await assert_accessible(page)
    await page.fill("#comment", "Dołączcie listy obecności.")
    await submit(page)
    assert await page.locator("h1").inner_text() == title
    returned = await mail_to(platform, ngo_email, subject_contains="wymaga poprawek")
    assert "Dołączcie listy obecności." in text_of(returned)
    assert f"next=%2Fgrants%2Fapplications%2F{app_id}%2Freport" in text_of(returned)
    assert (
        await grants.fetchval("select review from reports where application_id=$1", app_id)
        == "returned"
    )
