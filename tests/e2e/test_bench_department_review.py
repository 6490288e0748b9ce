"""The Bench's loop with a department (issue 16), in Polish and Ukrainian with JavaScript off: a
question of the department's topic is proposed to it and assigned in one click; the responder
signs in from the assignment mail and answers; the answer waits for review; the coordinator
approves it and the asker's answer mail arrives; the asker clicks "helpful" in it and (with four
more verdicts) the coordinator's dashboard shows the share of helpful answers. Every page passes
axe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.participation.bench.commands import departments, questions, staff
from services.participation.bench.schemas import (
    AnswerIn,
    DepartmentIn,
    EditionIn,
    ModerationIn,
    QuestionIn,
    ResponderIn,
)
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in
from tests.helpers.waiting import eventually
from tests.integration.bench.bench_helpers import body_text, mail_arrives


async def submit(page: Any, form: str) -> None:
    async with page.expect_navigation():
        await page.click(f"{form} button[type=submit]")


async def test_a_responder_answers_from_the_mail_and_the_coordinator_approves_it(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    base = platform.base_url
    tag = uuid.uuid4().hex[:6]
    responder = await staff.add_responder(
        platform.runtime,
        ResponderIn(
            name="Oksana Melnyk",
            email=f"o.melnyk-{tag}@krakow.example.org",
            department="Wydział Spraw Obywatelskich",
            language="uk",
        ),
        by="coordinator-e2e",
    )
    await departments.create(
        platform.runtime,
        DepartmentIn(
            name={
                "pl": f"Wydział Spraw Obywatelskich {tag}",
                "uk": f"Відділ у справах громадян {tag}",
            },
            email=f"wso-{tag}@krakow.example.org",
            head_email=f"head-{tag}@krakow.example.org",
            topics=["safety"],
            responders=[responder["id"]],
            review_required=True,
        ),
        by="coordinator-e2e",
    )
    edition = await staff.create_edition(
        platform.runtime,
        EditionIn(
            title=f"Ławka Dialogu {tag}",
            held_on=(datetime.now(UTC) + timedelta(days=20)).date(),
            venue="Centrum Wielokulturowe, ul. Józefińska 14",
            audience="mieszkańcy z doświadczeniem migracji",
            submissions_close_at=datetime.now(UTC) + timedelta(days=10),
        ),
    )
    asker = f"asker-{tag}@example.org"
    asked = await questions.ask(
        platform.runtime,
        edition["id"],
        QuestionIn(
            text="Чи буде більше освітлення на вулицях біля гуртожитків у Новій Гуті?",
            topic="safety",
            language="uk",
            email=asker,
            consent=True,
        ),
    )

    # The coordinator accepts the question and takes the proposal in one click.
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    token = platform.runtime.auth.login_link_token("coordinator-e2e", "coordinator")
    await page.goto(f"{base}/auth/link?token={token}&next=/bench/staff/questions/{asked.id}")
    await submit(page, "main")
    await page.check("#decision")
    await submit(page, "form[action$='/moderation#moderation']")
    proposal = page.locator("#proposed-department")
    assert f"Wydział Spraw Obywatelskich {tag}" in await proposal.inner_text()
    await assert_accessible(page)
    await submit(page, "#proposed-department form")
    assert "Pytanie zostało przydzielone." in await page.locator("#done").inner_text()

    # The responder signs in from the assignment mail (in Ukrainian) and answers.
    [mail] = await mail_arrives(platform, responder["email"], within=30)
    assert asked.reference in str(mail["Subject"])
    mine = await new_page(locale="uk", java_script_enabled=False)
    mine.set_default_timeout(10000)
    await mine.goto(link_in(mail))
    await submit(mine, "main")
    assert mine.url.startswith(f"{base}/bench/staff/questions/{asked.id}")
    answer = "Так, до кінця року на вулицях біля гуртожитків встановлять нові ліхтарі."
    await mine.fill("#text", answer)
    await mine.select_option("#language", "uk")
    await submit(mine, "form[action$='/answer#answer']")
    assert "чекає на перевірку" in await mine.locator("#done").inner_text()
    await assert_accessible(mine)

    # The coordinator reviews and approves it; the asker's mail arrives with the answer.
    await page.goto(f"{base}/bench/staff/questions/{asked.id}")
    assert answer in await page.locator("#review-text").inner_text()
    await assert_accessible(page)
    await submit(page, "form[action$='/review/approve#review']")
    assert "Odpowiedź została zatwierdzona." in await page.locator("#done").inner_text()
    await assert_accessible(page)
    mails = await mail_arrives(platform, asker, count=2, within=30)
    assert any(answer in body_text(m) for m in mails)

    # The asker clicks "helpful" in the answer mail (no sign-in) and confirms it.
    answered_mail = next(m for m in mails if answer in body_text(m))
    helpful = next(
        w
        for w in body_text(answered_mail).split()
        if "/bench/feedback/" in w and w.endswith("/helpful")
    )
    reader = await new_page(locale="uk", java_script_enabled=False)
    reader.set_default_timeout(10000)
    await reader.goto(helpful)
    await assert_accessible(reader)
    await submit(reader, "main")
    assert await reader.locator("#feedback-done").count() == 1
    await assert_accessible(reader)

    # Four more verdicts through the real commands (a share of fewer than 5 is not shown).
    coordinator = Principal(subject="coordinator-e2e", roles=("coordinator",))
    for n in range(4):
        more = await questions.ask(
            platform.runtime,
            edition["id"],
            QuestionIn(
                text=f"Pytanie numer {n} o oświetlenie ulic?", topic="safety", language="pl"
            ),
        )
        await staff.moderate(
            platform.runtime, coordinator, more.id, ModerationIn(decision="accepted")
        )
        await staff.answer(
            platform.runtime,
            coordinator,
            more.id,
            AnswerIn(text="Latarnie zostaną wymienione w tym roku.", language="pl"),
        )
        assert await questions.record_verdict_tracked(
            platform.runtime, more.reference, more.tracking_token, True
        )

    # The tracking page offers nothing more and says what was recorded.
    await reader.goto(f"{base}/bench/track?reference={more.reference}&token={more.tracking_token}")
    assert await reader.locator("#verdict").count() == 1
    await assert_accessible(reader)

    # The coordinator's dashboard shows the share of helpful answers.
    year = datetime.now(UTC).year
    card = page.locator('.indicator-card[data-indicator="bench.answers_helpful_share"]')

    async def shown() -> bool:
        await page.goto(f"{base}/dashboard?year={year}")
        return "%" in await card.locator("[data-value]").inner_text()

    await eventually(shown, timeout=30, interval=0.5, what="the helpful share on the dashboard")
    await assert_accessible(page)
