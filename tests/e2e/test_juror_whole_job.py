"""A juror's whole job in the browser, in Polish, without JavaScript: the invitation e-mail the
coordinator's appointment sent (the mail file) leads in with one click, the juror scores every
candidacy on its page, then sees the job done. axe-core checks every page the juror saw."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from services.ambassadors.commands import editions, jury, nominations
from services.ambassadors.schemas import CriterionIn, EditionIn, JurorIn, NominationIn
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in, mail_to, sign_in_by_email, text_of

CANDIDATES = ("Olena Kowalenko", "Ahmed Nasser")


async def an_accepted_candidacy(
    platform: RunningPlatform, edition_id: uuid.UUID, name: str
) -> None:
    """A resident's nomination, accepted by the candidate with the link from their mail."""
    email = f"candidate-{uuid.uuid4().hex[:8]}@example.org"
    await nominations.submit(
        platform.runtime,
        edition_id,
        NominationIn(
            candidate_name=name,
            candidate_email=email,
            justification=f"{name} od lat uczy polskiego dzieci, które przyjechały do Krakowa.",
            nominator_name="Jan Nowak",
            nominator_email=f"jan-{uuid.uuid4().hex[:6]}@example.org",
            consent=True,
        ),
    )
    body = text_of(await mail_to(platform, email))
    found = re.search(r"/nominations/([0-9a-f-]{36})/accept\?token=([\w-]+)", body)
    assert found, body
    await nominations.accept(platform.runtime, uuid.UUID(found.group(1)), found.group(2))


async def test_the_juror_follows_the_invitation_and_scores_every_candidacy(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    # What the coordinator and the residents did before (their own pages are tested apart).
    edition = await editions.create_edition(
        platform.runtime,
        "coordinator-e2e",
        EditionIn(
            year=datetime.now(UTC).year,
            nominations_close_at=datetime.now(UTC) + timedelta(days=3),
            criteria=[
                CriterionIn(key="impact", name="Wpływ na społeczność", weight=2),
                CriterionIn(key="engagement", name="Długotrwałe zaangażowanie", weight=1),
            ],
        ),
    )
    edition_id = edition.id  # type: ignore[union-attr]
    for name in CANDIDATES:
        await an_accepted_candidacy(platform, edition_id, name)
    email = f"juror-{uuid.uuid4().hex[:8]}@example.org"
    await jury.appoint_juror(
        platform.runtime,
        "coordinator-e2e",
        edition_id,
        JurorIn(name="Anna Wiśniewska", email=email),
    )

    # The invitation says which edition, what to do and by when, and carries the way in.
    invitation = await mail_to(platform, email)
    body = text_of(invitation)
    assert f"Ambasador Wielokulturowości Krakowa {datetime.now(UTC).year}" in body
    assert "(czas warszawski)" in body and "od 0 do 10" in body
    assert "next=%2Fambassadors%2Fjury" in link_in(invitation)

    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    # Later, the juror gets in on their own: the e-mail sign-in form, its link from the mail.
    await sign_in_by_email(page, platform, email)
    assert page.url.endswith("/ambassadors/jury")
    assert await page.locator("h1").inner_text() == "Jury Ambasadorów Wielokulturowości"
    progress = page.locator(f"#progress-{edition_id}")
    assert "ocenione 0, do oceny 2," in await progress.inner_text()
    await assert_accessible(page)

    # Every candidacy: open it from the list, score it, see it recorded.
    for i, name in enumerate(CANDIDATES):
        await page.goto(f"{platform.base_url}/ambassadors/jury")
        async with page.expect_navigation():
            await page.get_by_role("link", name=name).click()
        await assert_accessible(page)
        if i == 0:  # sent half-filled first: the missing score is explained, nothing stored
            await page.select_option("#score_impact", "9")
            async with page.expect_navigation():
                await page.get_by_role("button", name=re.compile("Wyślij")).click()
            assert await page.locator("#score_engagement-error").is_visible()
            assert await page.input_value("#score_impact") == "9"  # kept
            await assert_accessible(page)
        await page.select_option("#score_impact", str(9 - i * 3))
        await page.select_option("#score_engagement", str(8 - i))
        await page.fill("#comment", f"Uzasadnienie oceny {i + 1}.")
        async with page.expect_navigation():
            await page.get_by_role("button", name=re.compile("Wyślij")).click()
        assert await page.locator("#done").is_visible()
        assert f"Uzasadnienie oceny {i + 1}." in await page.locator("#own-comment").inner_text()
        await assert_accessible(page)

    # Done: nothing left to score, as the list and the stored scorecards say.
    await page.goto(f"{platform.base_url}/ambassadors/jury")
    assert "ocenione 2, do oceny 0," in await page.locator(f"#progress-{edition_id}").inner_text()
    await assert_accessible(page)
    cards = await platform.runtime.pool("ambassadors").fetchval(
        "select count(*) from scorecards s join jurors j on j.id = s.juror_id where j.email = $1",
        email,
    )
    assert cards == len(CANDIDATES)
