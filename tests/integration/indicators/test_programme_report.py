"""The annual report on the programme (real servers): the HTML document and the PDF rendered
by WeasyPrint hold the same figures as /api/indicators; a narrative is written, the report is
approved and then frozen (later changes leave it as approved) and published on /indicators;
the reminders on 1 March and 1 April go to the coordinators once, not after approval."""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal

import pypdf
import pytest

from services.indicators import commands, labels, programme_commands
from services.indicators.domain import ManualValue
from services.indicators.jobs import remind_report
from tests.helpers.platform import COORDINATOR_EMAIL, RunningPlatform
from tests.helpers.signin import mail_files, messages_to
from tests.integration.indicators.events import value_becomes

YEAR = 2045  # no other test counts or reports anything in it
ROW = re.compile(r'<tr data-indicator="([^"]+)">.*?<td class="num" data-value>([^<]*)</td>', re.S)


def shown(item: dict) -> str:
    """A value of /api/indicators as the report writes it (money per currency)."""
    if item["unit"] == "minor_units":
        return labels.money({a["currency"]: a["amount"] for a in item["amounts"]}, "en")
    if item["value"] is None:
        return "–"
    text = labels.fmt(Decimal(repr(item["value"])))
    return text + "%" if item["unit"] == "percent" else text


async def test_the_html_and_the_pdf_hold_the_api_figures(platform: RunningPlatform) -> None:
    await commands.record_value(
        platform.runtime,
        "coordinator-rep",
        "inclusion.multicultural_centre_events",
        ManualValue(YEAR, Decimal("137"), ""),
    )
    await value_becomes(platform, YEAR, "inclusion.multicultural_centre_events", 137.0)
    coordinator = platform.auth("coordinator")
    api = (await platform.client.get(f"/api/indicators?year={YEAR}", headers=coordinator)).json()
    expected = {i["id"]: shown(i) for i in api["indicators"]}
    assert expected["inclusion.multicultural_centre_events"] == "137"

    page = await platform.client.get(f"/api/programme/report/{YEAR}?lang=en", headers=coordinator)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "@media print" in page.text and "@page" in page.text
    in_html = {i: html.unescape(v) for i, v in ROW.findall(page.text)}
    assert in_html == expected

    pdf = await platform.client.get(
        f"/api/programme/report/{YEAR}.pdf?lang=en", headers=coordinator
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    flat = " ".join(text.split())
    # Every indicator's name is followed, on its row, by the same value as in the API.
    for item in api["indicators"]:
        name = " ".join(item["name"].split())
        assert name in flat, name
    assert "137" in flat
    values = [v for v in expected.values() if v != "–"]
    for value in values:
        assert " ".join(value.split()) in flat, value

    wrong = await platform.client.get(f"/api/programme/report/{YEAR}.docx", headers=coordinator)
    assert wrong.status_code == 404
    denied = await platform.client.get(
        f"/api/programme/report/{YEAR}", headers=platform.auth("ngo")
    )
    assert denied.status_code == 403


async def test_an_approved_report_is_frozen_and_published(platform: RunningPlatform) -> None:
    year = 2046
    runtime = platform.runtime
    await programme_commands.save_narrative(
        runtime,
        "coordinator-rep",
        year,
        {(1, "pl"): "Opis celu pierwszego", (1, "en"): "Objective one account"},
    )
    await programme_commands.approve_report(runtime, "coordinator-rep", year)
    coordinator = platform.auth("coordinator")
    first = await platform.client.get(f"/api/programme/report/{year}?lang=en", headers=coordinator)
    assert "Objective one account" in first.text and "Approved on" in first.text

    # Later changes do not alter it: a value for the year, a task noted, the narrative refused.
    await commands.record_value(
        runtime,
        "coordinator-rep",
        "inclusion.multicultural_centre_events",
        ManualValue(year, Decimal("999"), ""),
    )
    await value_becomes(platform, year, "inclusion.multicultural_centre_events", 999.0)
    refused = None
    try:
        await programme_commands.save_narrative(runtime, "c", year, {(1, "en"): "changed"})
    except Exception as exc:  # noqa: BLE001
        refused = exc
    assert refused is not None and getattr(refused, "code", "") == "programme.report_frozen"
    again = await platform.client.get(f"/api/programme/report/{year}?lang=en", headers=coordinator)
    assert again.text == first.text and "999" not in again.text

    public = await platform.client.get(f"/indicators/programme-report/{year}?lang=en")
    assert public.status_code == 200 and "Objective one account" in public.text
    listing = await platform.client.get("/indicators")
    assert f'href="/indicators/programme-report/{year}"' in listing.text
    draft = await platform.client.get("/indicators/programme-report/2047")
    assert draft.status_code == 404  # not approved: not published


async def test_reminders_go_on_1_march_and_1_april_once(platform: RunningPlatform) -> None:
    ctx = {"runtime": platform.runtime}
    before = mail_files(platform)
    assert await remind_report(ctx, today="2051-02-28") == 0
    assert await remind_report(ctx, today="2051-03-01") == 1
    assert await remind_report(ctx, today="2051-03-01") == 0  # once per date
    assert await remind_report(ctx, today="2051-04-01") == 1

    async def arrived() -> list:
        return messages_to(platform, COORDINATOR_EMAIL, subject_contains="2050", since=before)

    from tests.helpers.waiting import eventually

    found = await eventually(arrived, timeout=20, what="the reminders")
    assert "/programme/report/2050" in found[0].get_body(("plain",)).get_content()
    # An approved report is not reminded of.
    await programme_commands.approve_report(platform.runtime, "coordinator-rep", 2052)
    assert await remind_report(ctx, today="2053-03-01") == 0


async def test_without_pango_the_pdf_route_answers_503_naming_the_fix(
    platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as when Pango's libraries are missing
    answer = await platform.client.get(
        f"/api/programme/report/{YEAR}.pdf", headers=platform.auth("coordinator")
    )
    assert answer.status_code == 503
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in answer.json()["detail"]
