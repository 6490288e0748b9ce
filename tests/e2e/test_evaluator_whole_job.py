"""An evaluator's whole job in the browser, in Polish, without JavaScript: the invitation mail's
sign-in link leads to the applications assigned to them; they score one with a comment per
criterion (an empty form first: each criterion says what is missing) and see it done. What the
NGO and the coordinator did before is set up with the use-case functions of their pages. axe
checks every page visited."""

from __future__ import annotations

import uuid
from datetime import timedelta

import msgspec

from services.grants import commands
from services.grants.schemas import EvaluatorIn, FormalCheckIn
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in, mail_to, sign_in_by_email, text_of
from tests.integration.grants.test_commands import (
    COORDINATOR,
    Story,
    a_call,
    a_submitted_application,
    registered,
)

CRITERIA = [
    {
        "key": "relevance",
        "name": "Znaczenie dla programu",
        "weight": 2,
        "max_points": 10,
        "translations": {"en": "Relevance", "uk": "Значення для програми"},
    },
    {"key": "feasibility", "name": "Wykonalność", "weight": 1, "max_points": 5},
]
ALL_PASS = [
    {"criterion": c, "passed": True}
    for c in ("applicant_eligible", "complete", "budget", "objectives")
]


async def test_an_invited_evaluator_scores_an_application_and_sees_it_done(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    runtime = platform.runtime
    tag = uuid.uuid4().hex[:6]
    story = Story()
    call_id = await a_call(
        platform,
        story,
        title=f"Granty sąsiedzkie {tag}",
        criteria=CRITERIA,
        evaluation_due_on=str((story.now + timedelta(days=14)).date()),
    )
    who, _, _ = await registered(platform)
    app_id = await a_submitted_application(platform, story, call_id, who, 200_000)
    check = msgspec.convert({"eligible": True, "findings": ALL_PASS}, FormalCheckIn)
    await commands.formal_check(runtime, COORDINATOR, app_id, check)
    address = f"marta-{tag}@example.org"
    for name, email in (("Marta Wiśniewska", address), ("Jan Kos", f"jan-{tag}@example.org")):
        await commands.add_evaluator(
            runtime, call_id, EvaluatorIn(name=name, email=email, language="pl")
        )

    invitation = await mail_to(platform, address, subject_contains=f"Granty sąsiedzkie {tag}")
    said = text_of(invitation)
    assert "Dzień dobry, Marta Wiśniewska," in said
    assert "przyznaj punkty z komentarzem za każde kryterium" in said
    assert "Zakończ oceny do" in said

    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(15000)
    assert "next=%2Fgrants%2Fevaluate" in link_in(invitation)
    # The evaluator gets in on their own: the e-mail sign-in form, its link from the mail.
    await sign_in_by_email(page, platform, address)
    assert page.url.endswith("/grants/evaluate")
    assert await page.locator("h1").inner_text() == "Wnioski do oceny"
    due = (story.now + timedelta(days=14)).date()
    assert f"do oceny do {due.day} " in await page.locator("main li").inner_text()  # by when
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.click("text=Warsztaty językowe dla rodzin")
    await assert_accessible(page)
    assert await page.locator("main legend").first.inner_text() == "Znaczenie dla programu"

    # Sent empty: each criterion says its points are missing, at its field.
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    summary = await page.locator(".error-summary").inner_text()
    assert "Kryterium „Znaczenie dla programu”" in summary and "Kryterium „Wykonalność”" in summary
    assert await page.get_attribute("#score_relevance", "aria-invalid") == "true"
    await assert_accessible(page)

    await page.fill("#score_relevance", "8")
    await page.fill("#comment_relevance", "Dobrze służy celowi 3 programu.")
    await page.fill("#score_feasibility", "4")
    await page.fill("#comment_feasibility", "Realny harmonogram, budżet nieco napięty.")
    await page.fill("#comment", "Polecam do dofinansowania.")
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    assert page.url.endswith("/grants/evaluate")
    assert "Warsztaty językowe dla rodzin – oceniony" in " ".join(
        (await page.locator("main").inner_text()).split()
    )
    await assert_accessible(page)

    stored = await runtime.pool("grants").fetchrow(
        """select s.scores, s.comments, s.comment from assignments s
           join evaluators e on e.id = s.evaluator_id where e.email = $1""",
        address,
    )
    assert msgspec.json.decode(stored["scores"]) == {"relevance": 8, "feasibility": 4}
    assert msgspec.json.decode(stored["comments"]) == {
        "relevance": "Dobrze służy celowi 3 programu.",
        "feasibility": "Realny harmonogram, budżet nieco napięty.",
    }
    assert stored["comment"] == "Polecam do dofinansowania."
    await page.goto(f"{platform.base_url}/grants/evaluate/{app_id}")
    assert await page.locator("#evaluation-done").inner_text() == "Twoja ocena została złożona."
    await assert_accessible(page)
