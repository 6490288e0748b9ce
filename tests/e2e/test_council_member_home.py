"""A council member's own page in the browser, without JavaScript, in Polish (issue 13): the
member follows the link of the welcome mail (from the mail folder), answers the invitation to
the next meeting, has a proposal refused and sees it again in Ukrainian with what they typed,
then proposes the agenda item. Every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.participation.council.commands import meetings, members
from services.participation.council.schemas import AppointmentIn, Created, MeetingIn, Member
from shared.auth import Principal
from tests.e2e.conftest import NewPage, assert_accessible
from tests.helpers.platform import RunningPlatform
from tests.helpers.signin import follow_link, link_in, mail_to, sign_in_by_email

SCHEMA = "participation"


async def submit(page: Any, scope: Any, button: str) -> None:
    async with page.expect_navigation():
        await scope.get_by_role("button", name=button).click()


async def test_a_member_answers_an_invitation_and_proposes_an_item_from_their_page(
    platform: RunningPlatform, new_page: NewPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    address = f"czlonek-{tag}@example.org"
    # Earlier, the secretariat appointed the member and scheduled a meeting (their pages).
    member = await members.appoint(
        platform.runtime,
        AppointmentIn(
            name=f"Halyna Shevchuk {tag}",
            category="resident",
            email=address,
            term_start=date.today() - timedelta(days=1),
            term_end=date.today() + timedelta(days=700),
            language="pl",
        ),
    )
    assert isinstance(member, Member)
    title = f"Posiedzenie Rady {tag}"
    created = await meetings.schedule_meeting(
        platform.runtime,
        MeetingIn(title=title, starts_at=datetime.now(UTC) + timedelta(days=5), place="Sala Obrad"),
    )
    assert isinstance(created, Created)
    section = f"#meeting-{created.id}"

    welcome = await mail_to(platform, address, subject_contains="Powołanie")
    page = await new_page(locale="pl", java_script_enabled=False)
    page.set_default_timeout(10000)
    await follow_link(page, link_in(welcome))
    assert await page.locator("h1").inner_text() == "Moja strona w Radzie"
    assert f"Halyna Shevchuk {tag}" in await page.locator("#member-seat").inner_text()
    meeting = page.locator(section)
    assert title in await meeting.inner_text()
    assert "Brak odpowiedzi" in await meeting.locator(f"#reply-{created.id}").inner_text()

    # The reply: yes.
    await meeting.get_by_label("Tak, będę").check()
    await submit(page, page.locator(section), "Wyślij odpowiedź")
    assert "odpowiedź" in (await page.locator("#done").inner_text()).lower()
    assert "Będzie" in await page.locator(f"#reply-{created.id}").inner_text()
    stored = await platform.runtime.pool(SCHEMA).fetchval(
        "select response from council_invitations where meeting_id = $1 and member_id = $2",
        created.id,
        member.id,
    )
    assert stored == "yes"
    my_url = page.url.split("?")[0].split("#")[0]

    # A proposal with too short a title is refused; in Ukrainian, the typed text is still there.
    meeting = page.locator(section)
    await meeting.get_by_label("Co Rada powinna omówić").fill("Tłumacze w urzędach dzielnic")
    await meeting.locator(f"#title-{created.id}").fill("ab")
    await submit(page, page.locator(section), "Wyślij propozycję do sekretariatu")
    assert "od 3 do 300 znaków" in await page.locator(".error-summary").inner_text()
    async with page.expect_navigation():
        await page.locator("form.language-form button[lang=uk]").click()
    assert await page.locator("h1").inner_text() == "Моя сторінка в Раді"
    assert await page.locator(".error-summary").is_visible()
    assert (
        await page.locator(f"#description-{created.id}").input_value()
        == "Tłumacze w urzędach dzielnic"
    )
    await page.locator(f"#title-{created.id}").fill("Tłumacze w urzędach")
    async with page.expect_navigation():
        await (
            page.locator(section)
            .get_by_role("button", name="Надіслати пропозицію секретаріату")
            .click()
        )
    assert "пропозиц" in (await page.locator("#done").inner_text()).lower()
    assert (
        "Tłumacze w urzędach"
        in await page.locator("#proposals").locator("xpath=following-sibling::ul[1]").inner_text()
    )
    item = await platform.runtime.pool(SCHEMA).fetchrow(
        "select status, proposed_by_member from council_agenda_items where meeting_id = $1",
        created.id,
    )
    assert (item["status"], item["proposed_by_member"]) == ("proposed", member.id)

    # axe: the page, and the page with a refused proposal.
    auth = platform.runtime.auth
    assert auth is not None
    subject = await platform.runtime.pool(SCHEMA).fetchval(
        "select subject from council_members where id = $1", member.id
    )
    checker: Any = await new_page(locale="pl")
    checker.set_default_timeout(10000)
    await checker.context.add_cookies(
        [
            {
                "name": "okr_session",
                "value": auth.session_token(Principal(subject=subject, roles=("council_member",))),
                "url": platform.base_url,
            }
        ]
    )
    await checker.goto(my_url)
    await assert_accessible(checker)
    async with checker.expect_navigation():
        await (
            checker.locator(section)
            .get_by_role("button", name="Wyślij propozycję do sekretariatu")
            .click()
        )
    assert await checker.locator(".error-summary").is_visible()
    await assert_accessible(checker)

    # Later, the member signs in with their address alone: the link leads to their page.
    again = await new_page(locale="pl", java_script_enabled=False)
    again.set_default_timeout(10000)
    await sign_in_by_email(again, platform, address)
    assert await again.locator("h1").inner_text() == "Moja strona w Radzie"
