"""The Bench's staff, the whole job (issue 13), in Polish with JavaScript off: the coordinator
adds a responder on the responders page, keeps an answer template, and assigns a resident's
question to the responder; the responder follows the link in the mail they got, answers with
the template, and the resident's tracking page shows the answer. Every page passes axe."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.participation.bench import people
from services.participation.bench.commands import questions, staff
from services.participation.bench.schemas import EditionIn, QuestionIn
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import link_in, sign_in_by_email
from tests.integration.bench.bench_helpers import body_text, mail_arrives


async def submit(page: Any, form: str) -> None:
    async with page.expect_navigation():
        await page.click(f"{form} button[type=submit]")


async def test_a_coordinator_invites_a_responder_who_answers_with_a_template(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    assert platform.runtime.auth is not None
    base = platform.base_url
    # What others did earlier: the coordinator opened a session, a resident asked (in Polish).
    edition = await staff.create_edition(
        platform.runtime,
        EditionIn(
            title=f"Ławka Dialogu {uuid.uuid4().hex[:6]}",
            held_on=(datetime.now(UTC) + timedelta(days=20)).date(),
            venue="Centrum Wielokulturowe, ul. Józefińska 14",
            audience="mieszkańcy z doświadczeniem migracji",
            submissions_close_at=datetime.now(UTC) + timedelta(days=10),
        ),
    )
    text = (
        "Czy w szkołach na Podgórzu będą dodatkowe lekcje języka polskiego dla dzieci, które "
        "przyjechały z Ukrainy w tym roku? Mój syn chodzi do czwartej klasy i potrzebuje pomocy."
    )
    asked = await questions.ask(
        platform.runtime,
        edition["id"],
        QuestionIn(text=text, topic="education", language="pl"),
    )

    # The coordinator signs in and opens the responders page from the queue.
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    token = platform.runtime.auth.login_link_token("coordinator-whole-job", "coordinator")
    await page.goto(f"{base}/auth/link?token={token}&next=/bench/staff")
    await submit(page, "main")
    await page.goto(f"{base}/bench/staff?edition={edition['id']}")
    row = page.locator(f"#q-{asked.reference}")
    assert "dodatkowe lekcje języka polskiego" in await row.inner_text()
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.get_by_role("link", name="Osoby odpowiadające").click()
    assert await page.locator("h1").inner_text() == "Osoby odpowiadające"
    await assert_accessible(page)

    # Sent empty: every field explained in Polish, nothing added.
    await submit(page, "form[action^='/bench/staff/responders']")
    summary = await page.locator(".error-summary").inner_text()
    assert "Wpisz imię i nazwisko osoby odpowiadającej: od 2 do 200 znaków." in summary
    assert "Wpisz adres e-mail, np. imie@krakow.pl." in summary
    await assert_accessible(page)

    responder = f"a.nowak-{uuid.uuid4().hex[:6]}@krakow.example.org"
    await page.fill("#name", "Anna Nowak")
    await page.fill("#email", responder)
    await page.fill("#department", "Wydział Edukacji")
    await page.select_option("#language", "pl")
    await submit(page, "form[action^='/bench/staff/responders']")
    assert "Dodano: Anna Nowak." in await page.locator("#done").inner_text()
    assert responder in await page.locator("#responders").inner_text()
    await assert_accessible(page)

    # The same address again is refused, what was typed kept.
    await page.fill("#name", "A. Nowak")
    await page.fill("#email", responder.upper())
    await page.fill("#department", "Edukacja")
    await submit(page, "form[action^='/bench/staff/responders']")
    assert "Anna Nowak jest już osobą odpowiadającą z tym adresem." in (
        await page.locator(".error-summary").inner_text()
    )
    assert await page.input_value("#name") == "A. Nowak"
    await assert_accessible(page)

    # An answer template in Polish, on the templates pages.
    await page.goto(f"{base}/bench/staff")
    async with page.expect_navigation():
        await page.get_by_role("link", name="Szablony odpowiedzi").click()
    await assert_accessible(page)
    async with page.expect_navigation():
        await page.get_by_role("link", name="Nowy szablon").click()
    await assert_accessible(page)
    template_text = (
        "Dziękujemy za pytanie. Od września każda szkoła na Podgórzu prowadzi dodatkowe lekcje "
        "języka polskiego dla dzieci z Ukrainy; zapisy przyjmuje sekretariat szkoły."
    )
    await page.fill("#title", "Lekcje polskiego w szkołach")
    await page.select_option("#language", "pl")
    await page.select_option("#topic", "education")
    await page.fill("#text", template_text)
    await submit(page, "main")
    assert "Dodano szablon." in await page.locator("#done").inner_text()
    assert "Lekcje polskiego w szkołach" in await page.locator("#templates").inner_text()
    await assert_accessible(page)

    # The question: accepted, then assigned to Anna Nowak chosen from the list.
    await page.goto(f"{base}/bench/staff/questions/{asked.id}")
    await page.check("#decision")
    await submit(page, "form[action$='/moderation#moderation']")
    assert "Twoja decyzja została zapisana." in await page.locator("#done").inner_text()
    await page.get_by_label("Osoba odpowiadająca", exact=True).select_option(
        label=f"Anna Nowak – Wydział Edukacji ({responder})"
    )
    await submit(page, "form[action$='/assignment#assignment']")
    assert "Pytanie zostało przydzielone." in await page.locator("#done").inner_text()
    assert "Wydział Edukacji" in await page.locator(".facts").inner_text()
    await assert_accessible(page)

    # The responder: the mail in Polish names the question, its topic and due day, and links in.
    [mail] = await mail_arrives(platform, responder, within=30)
    body = body_text(mail)
    assert asked.reference in str(mail["Subject"])
    assert "Temat: Edukacja" in body
    due = asked.due_at.astimezone(ZoneInfo("Europe/Warsaw")).date().isoformat()
    assert f"do {due}" in body
    mine = await new_page(locale="pl", java_script_enabled=False)
    mine.set_default_timeout(10000)
    await mine.goto(link_in(mail))
    await assert_accessible(mine)
    await submit(mine, "main")
    assert mine.url.startswith(f"{base}/bench/staff/questions/{asked.id}")
    assert "dodatkowe lekcje języka polskiego" in await mine.locator("#question-text").inner_text()
    await assert_accessible(mine)

    # Their work page counts the question, and leads to their queue.
    await mine.goto(f"{base}/work")
    work = mine.get_by_role("link", name=re.compile("Pytania z Ławki Dialogu do odpowiedzi"))
    assert await work.get_attribute("href") == "/bench/staff?assigned=me&status=assigned"
    assert "1" in await mine.locator("main").inner_text()
    await assert_accessible(mine)
    await mine.goto(f"{base}/bench/staff/questions/{asked.id}")

    # The template fills the answer (a GET form, no script); the responder adapts and sends it.
    await mine.get_by_label("Szablon odpowiedzi").select_option(
        label="Lekcje polskiego w szkołach (Polski)"
    )
    await submit(mine, "form:has(#template)")
    assert await mine.input_value("#text") == template_text
    await assert_accessible(mine)
    answer = template_text + " Dla czwartej klasy zajęcia są we wtorki i czwartki."
    await mine.fill("#text", answer)
    await submit(mine, "form[action$='/answer#answer']")
    assert "Twoja odpowiedź została zapisana." in await mine.locator("#done").inner_text()
    await assert_accessible(mine)

    # The resident reads it on the tracking page.
    resident = await new_page(locale="pl", java_script_enabled=False)
    await resident.goto(
        f"{base}/bench/track?reference={asked.reference}&token={asked.tracking_token}"
    )
    assert answer in await resident.locator("#answer").inner_text()
    await assert_accessible(resident)

    # Later the responder signs in by e-mail on the sign-in form: the Bench knows the address,
    # and their home shows no work left.
    later = await new_page(locale="pl", java_script_enabled=False)
    later.set_default_timeout(10000)
    await sign_in_by_email(later, platform, responder, next="/bench/staff")
    assert later.url.startswith(f"{base}/bench/staff")
    assert await later.locator("h1").inner_text() == "Pytania do odpowiedzi"
    await assert_accessible(later)
    async with platform.runtime.pool("participation").acquire() as conn:
        [identity] = await people.identities(conn, responder)
        me = Principal(subject=identity.subject, roles=("responder",))
        assert await people.open_work(conn, me, "pl") == []
