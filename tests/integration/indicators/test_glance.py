"""The dashboard's first screen (issue 19): every indicator in one table, what is behind first,
each with its status in words and the reason; the answer rate is not behind while nothing is
overdue; a filter by objective; the same table alone for the live page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from services.indicators.domain import current_year
from shared.auth import SESSION_COOKIE, Principal
from tests.helpers.platform import RunningPlatform
from tests.integration.indicators.events import answered, publish, question, value_becomes

STATUS_ORDER = {"behind": 0, "no_data": 1, "on_track": 2, "met": 3}


def rows(page: str) -> list[tuple[str, str, str]]:
    """(indicator id, status, reason text) of each row of the at-a-glance table, in order."""
    table = page.split('id="glance"', 1)[1].split("</section>", 1)[0]
    found = re.findall(
        r'<tr id="glance-[^"]+" data-indicator="([^"]+)" data-status="([^"]+)"[^>]*>(.*?)</tr>',
        table,
        re.S,
    )
    out = []
    for indicator_id, status, cells in found:
        why = re.search(r'<td class="reason">(.*?)(?:<svg|</td>)', cells, re.S)
        assert why, cells
        out.append((indicator_id, status, " ".join(html.unescape(why.group(1)).split())))
    return out


async def test_the_first_screen_lists_every_indicator_behind_first_with_reasons(
    platform: RunningPlatform,
) -> None:
    # Next year's questions, all due after "now": three answered, two waiting, none overdue.
    year = current_year() + 1
    received = datetime(year, 1, 5, 9, tzinfo=UTC)
    asked = [question(received + timedelta(minutes=i), due_days=60) for i in range(5)]
    await publish(platform, *asked, *(answered(q, 1) for q in asked[:3]))
    await value_becomes(platform, year, "bench.questions_answered", 3)

    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(Principal("coord-glance", ("coordinator",)))
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={SESSION_COOKIE: cookie}, timeout=30
    ) as browser:
        page = await browser.get("/dashboard", params={"year": year, "lang": "en"})
        assert page.status_code == 200
        table = rows(page.text)
        registry = await platform.client.get(
            f"/api/indicators?year={year}", headers=platform.auth("coordinator")
        )
        objective_of = {i["id"]: i["objective"] for i in registry.json()["indicators"]}
        ids = set(objective_of)
        assert {r[0] for r in table} == ids  # every indicator, once
        assert len(table) == len(ids)
        order = [STATUS_ORDER[status] for _, status, _ in table]
        assert order == sorted(order)  # behind first, met last
        assert all(reason for _, _, reason in table)  # every status says why

        # The expected column is narrow: "≥ 4 000", its words for screen readers; the cards
        # below the table say them in full.
        glance = page.text.split('id="glance"', 1)[1].split("</section>", 1)[0]
        minimum = '<span aria-hidden="true">≥</span><span class="visually-hidden">at least</span> '
        assert minimum in glance
        assert "at least" not in glance.replace(minimum, "")
        assert "at least" in page.text.split('id="glance"', 1)[1].split("</section>", 1)[1]

        rate = next(r for r in table if r[0] == "bench.answer_rate")
        assert rate[1] == "on_track"
        assert rate[2] == "3 of 5 questions answered; 2 not yet due, none overdue."

        # In Polish, the same row in words.
        polish = rows((await browser.get("/dashboard", params={"year": year, "lang": "pl"})).text)
        rate_pl = next(r for r in polish if r[0] == "bench.answer_rate")
        assert rate_pl[2] == (
            "Odpowiedzi: 3 z 5 pytań; 2 jeszcze przed terminem, żadne po terminie."
        )

        # One objective: its rows only, and only its cards.
        only = await browser.get("/dashboard", params={"year": year, "objective": 2, "lang": "en"})
        objective_rows = rows(only.text)
        assert {r[0] for r in objective_rows} == {i for i, o in objective_of.items() if o == 2}
        assert 'id="grants-applications_submitted"' not in only.text
        assert 'id="bench-answer_rate"' in only.text

        # The table alone, for the live page: the same rows.
        fragment = await browser.get("/dashboard/glance", params={"year": year, "lang": "en"})
        assert fragment.status_code == 200
        assert rows(fragment.text) == table

        bad = await browser.get("/dashboard", params={"year": year, "objective": 9})
        assert bad.status_code == 400


async def test_an_overdue_question_puts_the_answer_rate_behind_saying_why(
    platform: RunningPlatform,
) -> None:
    year = 2006  # no other test counts anything in it
    received = datetime(year, 3, 1, 9, tzinfo=UTC)
    asked = [question(received + timedelta(minutes=i), due_days=14) for i in range(4)]
    await publish(platform, *asked, *(answered(q, 2) for q in asked[:3]))
    await value_becomes(platform, year, "bench.questions_answered", 3)
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(Principal("coord-glance", ("coordinator",)))
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={SESSION_COOKIE: cookie}, timeout=30
    ) as browser:
        page = await browser.get("/dashboard", params={"year": year, "lang": "en"})
    table = rows(page.text)
    assert table[0][1] == "behind"
    rate = next(r for r in table if r[0] == "bench.answer_rate")
    assert rate[1:] == (
        "behind",
        "3 of 4 questions answered; 1 past their due date unanswered; 0 not yet due.",
    )


async def test_a_card_and_the_pipeline_are_read_on_their_own(platform: RunningPlatform) -> None:
    """The live page's swaps read one indicator (or the year's values), never the dashboard."""
    year = 2005  # no other test counts anything in it
    received = datetime(year, 3, 1, 9, tzinfo=UTC)
    asked = [question(received + timedelta(minutes=i), due_days=14) for i in range(2)]
    await publish(platform, *asked, answered(asked[0], 1))
    await value_becomes(platform, year, "bench.questions_answered", 1)
    headers = platform.auth("coordinator")
    card = await platform.client.get(
        f"/dashboard/indicators/bench.answer_rate/card?year={year}&lang=en", headers=headers
    )
    assert card.status_code == 200
    assert 'id="bench-answer_rate"' in card.text and "50%" in card.text
    assert 'id="bench-questions_received"' not in card.text
    manual = await platform.client.get(
        f"/dashboard/indicators/services.trained_individuals/card?year={year}", headers=headers
    )
    assert manual.status_code == 200 and 'action="/dashboard/indicators/' in manual.text
    unknown = await platform.client.get(
        f"/dashboard/indicators/no.such/card?year={year}", headers=headers
    )
    assert unknown.status_code == 404
    pipe = await platform.client.get(f"/dashboard/pipeline?year={year}", headers=headers)
    assert re.search(r'id="pipeline-received">2<', pipe.text)
    assert re.search(r'id="pipeline-answered">1<', pipe.text)


async def test_what_needs_the_coordinator_now_is_listed_beside_the_table(
    platform: RunningPlatform,
) -> None:
    """The coordinator's open work of every service (as on /work), with the indicators' own:
    the values reported by hand that this year still lacks, linked to the first one's card."""
    year = current_year()
    listed = await platform.client.get(
        f"/api/indicators?year={year}", headers=platform.auth("coordinator")
    )
    missing = [
        i["id"]
        for i in listed.json()["indicators"]
        if i["source"] == "manual" and i["value"] is None
    ]
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(Principal("coord-alerts", ("coordinator",)))
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={SESSION_COOKIE: cookie}, timeout=30
    ) as browser:
        page = await browser.get("/dashboard", params={"lang": "en"})
        work = await browser.get("/work", params={"lang": "en"})
    assert page.status_code == 200
    alerts = page.text.split('id="alerts-title"', 1)[1].split("</section>", 1)[0]
    label = f"Indicators reported by hand without a value for {year}"
    if missing:
        anchor = missing[0].replace(".", "-")
        assert f'href="/dashboard?year={year}#{anchor}">{label}</a>: {len(missing)}' in alerts
        assert label in work.text  # the same item on the coordinator's home
    else:
        assert label not in alerts
