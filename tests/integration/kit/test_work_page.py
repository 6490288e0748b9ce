"""`GET /work` ("Your work") on a real platform whose services are two tiny test services: one
answers `open_work` from its own schema (read-only, checked), one fails. Anonymous visitors are
sent to sign in; items are grouped by role, overdue first and marked, each a link; a failing
service is named and logged while the rest still shows; pl and uk text."""

from __future__ import annotations

import html
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared import work_pages
from shared.auth import Principal
from shared.people import PeopleHooks, WorkItem
from shared.runtime import ServiceSpec
from tests.conftest import Servers
from tests.helpers.platform import RunningPlatform
from tests.helpers.work_services import no_identities, work_site


@pytest.fixture(scope="module")
async def site(
    servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningPlatform]:
    async with work_site(servers, tmp_path_factory.mktemp("work")) as running:
        yield running


def _browser(site: RunningPlatform, *roles: str, name: str | None = None) -> httpx.AsyncClient:
    assert site.runtime.auth is not None
    principal = Principal(subject=f"work-{uuid.uuid4().hex[:6]}", roles=roles, name=name)
    cookie = site.runtime.auth.session_token(principal)
    return httpx.AsyncClient(base_url=site.base_url, cookies={"okr_session": cookie})


def _main(page: str) -> str:
    return page[page.index('<main id="main"') : page.index("</main>")]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


async def test_anonymous_visitors_are_sent_to_sign_in_first(site: RunningPlatform) -> None:
    async with httpx.AsyncClient(base_url=site.base_url) as anonymous:
        answer = await anonymous.get("/work")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/sign-in?next=%2Fwork"


async def test_work_is_grouped_by_role_overdue_first_and_linked(
    site: RunningPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="openkrakow.work")
    async with _browser(site, "coordinator", "juror") as browser:
        page = await browser.get("/work", params={"lang": "pl"})
    assert page.status_code == 200
    main = _main(page.text)
    # One group per role, in the platform's order of roles, each under its translated name.
    headings = re.findall(r"<h2 id=\"work-(\w+)\">([^<]+)</h2>", main)
    assert headings == [
        ("coordinator", "Koordynator programu"),
        ("juror", "Członek jury Ambasadorów"),
    ]
    coordinator = main[main.index('id="work-coordinator"') : main.index('id="work-juror"')]
    links = re.findall(r'<a href="([^"]+)">(.*?)</a>', coordinator, re.S)
    # Overdue first, then as the service listed them; a count of 0 is not shown.
    assert [(html.unescape(href), _text(text)) for href, text in links] == [
        ("/council/staff?todo=1", "3 Posiedzenia do zaplanowania"),
        ("/grants/coordinator", "4 Wnioski do sprawdzenia"),
    ]
    assert "Nothing here" not in main
    # Overdue is said in words beside the item, not only shown by colour.
    assert re.search(r'class="tag tag--overdue">2 po terminie</strong>', coordinator)
    juror = main[main.index('id="work-juror"') :]
    assert '<a href="/ambassadors/jury">' in juror and "5" in _text(juror)
    # The failing service is named, the rest still shows, and the failure is logged.
    assert "Części Twoich zadań nie udało się teraz policzyć" in main
    assert "broken: nie udało się teraz policzyć" in _text(main)
    logged = [r for r in caplog.records if r.name == "openkrakow.work"]
    assert logged and "broken" in logged[0].getMessage()
    assert "the broken service's table is gone" in logged[0].getMessage()


async def test_the_page_speaks_ukrainian(site: RunningPlatform) -> None:
    async with _browser(site, "coordinator", name="Олена Коваль") as browser:
        page = await browser.get("/work", params={"lang": "uk"})
    assert page.status_code == 200
    assert "<h1>Ваші завдання</h1>" in page.text
    text = _text(_main(page.text))
    assert "3 Засідання для планування" in text and "2 прострочені" in text
    assert "broken: зараз не вдалося підрахувати" in text
    # The header names the person and marks "Your work" as the current page.
    assert "Ви увійшли як: Олена Коваль" in page.text
    assert '<a href="/work" aria-current="page">Ваші завдання</a>' in page.text


async def test_nothing_to_do_says_so_with_the_roles_areas(site: RunningPlatform) -> None:
    async with _browser(site, "council_member") as browser:
        page = await browser.get("/work", params={"lang": "pl"})
    assert page.status_code == 200
    main = _main(page.text)
    # The failing service still makes the page say that not everything could be counted.
    assert "broken: nie udało się teraz policzyć" in _text(main)
    assert "Nic teraz na Ciebie nie czeka" not in main
    header = page.text[: page.text.index("<main")]
    assert "Zalogowano jako: członek Rady" in header, header  # no name: the role's name


async def test_an_empty_page_is_friendly_and_links_the_roles_areas(site: RunningPlatform) -> None:
    """Only the counting service: a responder with nothing to do gets the friendly page."""
    original = site.runtime.services
    site.runtime.services = [s for s in original if s.name == "good"]
    try:
        async with _browser(site, "responder") as browser:
            page = await browser.get("/work", params={"lang": "pl"})
    finally:
        site.runtime.services = original
    main = _main(page.text)
    assert "Nic teraz na Ciebie nie czeka. Dobra robota!" in main
    assert "nie udało się" not in main
    # The responder's areas this platform serves (the Bench stand-in), not "Your work" itself.
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', main) == [
        ("/bench/staff", "Pytania do Ławki")
    ]
    assert '<a href="/bench/staff">Pytania do Ławki</a>' in page.text[: page.text.index("<main")]


async def test_a_service_that_does_not_answer_in_time_is_named_and_the_rest_shows(
    site: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow_work(conn: Any, principal: Principal, lang: str) -> list[WorkItem]:
        await conn.execute("select pg_sleep(30)")
        return [WorkItem("coordinator", "Too late", 1, "/late")]

    slow = ServiceSpec(
        name="grants",  # a service the kit knows by name
        schema="worktest_good",
        migrations=None,
        people=PeopleHooks(identities=no_identities, open_work=slow_work),
    )
    monkeypatch.setattr(work_pages, "OPEN_WORK_TIMEOUT", 0.5)
    original = site.runtime.services
    site.runtime.services = [*original, slow]
    try:
        async with _browser(site, "coordinator") as browser:
            page = await browser.get("/work", params={"lang": "pl"})
    finally:
        site.runtime.services = original
    text = _text(_main(page.text))
    assert "Małe granty: nie udało się teraz policzyć" in text
    assert "broken: nie udało się teraz policzyć" in text
    assert "4 Wnioski do sprawdzenia" in text and "Too late" not in text
    # The service's pool still answers after the cancelled query.
    assert await site.runtime.pool("worktest_good").fetchval("select 1", timeout=2) == 1
