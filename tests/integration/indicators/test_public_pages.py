"""The public indicators (issue 14): `/indicators` and the annual report `/indicators/report/Y`
(page and CSV) without signing in, in pl/en/uk; small cells withheld on every public surface
(page, report, CSV, open data); years without data are not found; answers are cacheable by the
browser only; the coordinator's routes are untouched."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import timedelta

import httpx

from services.indicators import public
from shared.auth import SESSION_COOKIE, Principal
from shared.events import catalogue as ev
from tests.helpers.platform import RunningPlatform
from tests.helpers.registry import indicator_count
from tests.integration.indicators.events import (
    answered,
    at,
    awarded,
    caught_up,
    publish,
    question,
    value_becomes,
)

YEAR = 2061  # no other test counts anything in it
EMPTY_YEAR = 2062  # nor in this one, and nothing is published for it here


def nomination(year: int, group: str) -> ev.AmbassadorsNominationSubmitted:
    return ev.AmbassadorsNominationSubmitted(
        nomination_id=uuid.uuid4(),
        edition_id=uuid.uuid4(),
        language="pl",
        nominator_group=group,
        submitted_at=at(year, 4, 2),
    )


async def seeded(platform: RunningPlatform) -> None:
    """Six questions (three from people declaring a migration background, three from people
    declaring none), all answered in 3 days; two nominations; grants in PLN and EUR."""
    if getattr(platform, "_public_seeded", False):
        return
    asked = [
        question(at(YEAR, 2, 1) + timedelta(minutes=i), group=group)
        for i, group in enumerate(["economic_migrant"] * 3 + ["none"] * 3)
    ]
    await publish(
        platform,
        *asked,
        *(answered(q, 3) for q in asked),
        nomination(YEAR, "none"),
        nomination(YEAR, "forced_migrant"),
        awarded(1_200_000, "PLN", at(YEAR, 5)),
        awarded(530_000, "EUR", at(YEAR, 5)),
    )
    await value_becomes(platform, YEAR, "bench.questions_answered", 6)
    await value_becomes(platform, YEAR, "ambassadors.nominations_submitted", 2)
    await caught_up(platform)
    platform._public_seeded = True  # type: ignore[attr-defined]


def rows(page: str) -> dict[str, tuple[str, str, str]]:
    """indicator id → (status, value cell text, reason text) of the public tables."""
    found = re.findall(
        r'<tr id="[^"]+" data-indicator="([^"]+)" data-status="([^"]+)">(.*?)</tr>', page, re.S
    )
    out = {}
    for indicator_id, status, cells in found:
        value = re.search(r"<td class=\"num\" data-value>(.*?)</td>", cells, re.S)
        why = re.search(r'<p class="reason">(.*?)</p>', cells, re.S)
        assert value and why, cells
        out[indicator_id] = (status, _text(value.group(1)), _text(why.group(1)))
    return out


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


async def test_anyone_reads_the_programme_table_with_small_cells_withheld(
    platform: RunningPlatform,
) -> None:
    await seeded(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        page = await anonymous.get("/indicators", params={"year": YEAR, "lang": "en"})
    assert page.status_code == 200
    assert page.headers["content-language"] == "en"
    assert "<script" not in page.text  # works without JavaScript
    table = rows(page.text)
    registry = await platform.client.get(
        f"/api/indicators?year={YEAR}", headers=platform.auth("coordinator")
    )
    assert set(table) == {i["id"] for i in registry.json()["indicators"]}
    # A table per specific objective, under its name.
    assert re.findall(r'<h2 id="objective-(\d)-title">', page.text) == list("123456")
    assert "Specific objective 2: Develop a systemic framework" in _text(page.text)

    assert table["bench.questions_received"] == (
        "on_track",
        "6",
        table["bench.questions_received"][2],
    )
    assert table["bench.answer_rate"] == ("met", "100%", "All 6 questions answered.")
    assert table["bench.median_days_to_answer"][:2] == ("on_track", "3 days")  # year not over
    # Two nominations: a count of fewer than 5 people is never shown.
    not_published = (
        "Fewer than 5 people: the figure is not published, so that nobody can be singled out."
    )
    assert table["ambassadors.nominations_submitted"] == ("withheld", "fewer than 5", not_published)
    # 4 of 8 declared a background (3 askers, 1 nominator), 4 none: both groups are small.
    assert table["participation.foreign_participants_share"] == (
        "withheld",
        "fewer than 5",
        not_published,
    )
    # Money keeps each currency.
    assert table["grants.amount_awarded"][1] == "12,000.00 PLN · 5,300.00 EUR"
    # Base values with their year, expected values with their kind, units in words.
    nominations = page.text.split('data-indicator="ambassadors.nominations_submitted"')[1]
    nominations = nominations.split("</tr>")[0]
    assert "23 (2023)" in nominations and "at least 10" in nominations
    assert "<td>number</td>" in nominations
    # The year selector offers years with data only (and the year in progress).
    years = re.findall(r'<option value="(\d{4})"', page.text)
    assert str(YEAR) in years and str(EMPTY_YEAR) not in years
    assert f'href="/indicators/report/{YEAR}"' in page.text
    assert f'href="/indicators/report/{YEAR}.csv"' in page.text


async def test_the_table_speaks_polish_and_ukrainian(platform: RunningPlatform) -> None:
    await seeded(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        polish = await anonymous.get("/indicators", params={"year": YEAR, "lang": "pl"})
        ukrainian = await anonymous.get("/indicators", params={"year": YEAR, "lang": "uk"})
    assert polish.status_code == ukrainian.status_code == 200
    assert '<html lang="pl">' in polish.text and '<html lang="uk">' in ukrainian.text
    pl, uk = rows(polish.text), rows(ukrainian.text)
    assert pl["ambassadors.nominations_submitted"][1:] == (
        "mniej niż 5",
        "Mniej niż 5 osób: liczby nie publikujemy, aby nikogo nie można było wskazać.",
    )
    assert uk["ambassadors.nominations_submitted"][1:] == (
        "менше ніж 5",
        "Менше ніж 5 осіб: цю цифру не публікуємо, щоб нікого не можна було виокремити.",
    )
    assert f"Wskaźniki programu Otwarty Kraków {YEAR}" in _text(polish.text)
    assert f"Показники програми «Відкритий Краків» {YEAR}" in _text(ukrainian.text)
    assert pl["bench.answer_rate"][:2] == ("met", "100%")
    assert pl["bench.answer_rate"][2] == "Odpowiedziano na wszystkie pytania (6)."
    assert "osiągnięty" in polish.text and "досягнуто" in ukrainian.text
    assert "Zgłoszenia w konkursie „Ambasador Wielokulturowości”" in polish.text
    assert "Заявки на конкурс «Амбасадор мультикультурності»" in ukrainian.text


async def test_years_and_reports_that_do_not_exist(platform: RunningPlatform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        assert (await anonymous.get("/indicators", params={"year": EMPTY_YEAR})).status_code == 404
        assert (await anonymous.get("/indicators", params={"year": 1999})).status_code == 400
        assert (await anonymous.get("/indicators", params={"year": "soon"})).status_code == 400
        for name in (str(EMPTY_YEAR), f"{EMPTY_YEAR}.csv", "1999", "2061.pdf", "x.csv", "20611"):
            answer = await anonymous.get(f"/indicators/report/{name}")
            assert answer.status_code == 404, name
        # Without a year: the year in progress.
        now = await anonymous.get("/indicators", params={"lang": "en"})
    assert now.status_code == 200
    assert re.search(r'<option value="(\d{4})" selected>', now.text).group(1) == str(
        public.domain.current_year()
    )


async def test_the_annual_report_page_and_csv_withhold_the_same_cells(
    platform: RunningPlatform,
) -> None:
    await seeded(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        polish_csv = await anonymous.get(f"/indicators/report/{YEAR}.csv")  # Polish by default
        page = await anonymous.get(f"/indicators/report/{YEAR}", params={"lang": "en"})
        english_csv = await anonymous.get(f"/indicators/report/{YEAR}.csv", params={"lang": "en"})
    assert page.status_code == 200
    assert "Open Kraków programme: domain indicators for 2061" in page.text
    assert 'href="/indicators-static/public.css"' in page.text  # print styles
    report_rows = re.findall(
        r'<tr data-indicator="([^"]+)" data-status="([^"]+)">(.*?)</tr>', page.text, re.S
    )
    assert len(report_rows) == await indicator_count(platform)
    statuses = {i: s for i, s, _ in report_rows}
    assert statuses["ambassadors.nominations_submitted"] == "withheld"
    assert statuses["bench.questions_received"] == "on_track"

    assert polish_csv.status_code == 200
    assert polish_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in polish_csv.headers["content-disposition"]
    body = polish_csv.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][8] == f"Wartość za rok {YEAR}"
    by_id = {r[1]: r for r in table[1:]}
    assert len(by_id) == await indicator_count(platform)
    assert by_id["ambassadors.nominations_submitted"][8:] == ["<5", "nie publikujemy"]
    assert by_id["participation.foreign_participants_share"][8] == "<5"
    assert by_id["bench.questions_received"][8] == "6"
    english = {r[1]: r for r in csv.reader(io.StringIO(english_csv.content.decode("utf-8-sig")))}
    assert english["ambassadors.nominations_submitted"][8:] == ["<5", "not published"]
    assert english["grants.amount_awarded"][8] == "12000.00 PLN · 5300.00 EUR"
    # The withheld count appears nowhere in the rows (the "2" nominations).
    assert "2" not in english["ambassadors.nominations_submitted"][8:]


async def test_public_answers_are_cacheable_by_the_browser_only(platform: RunningPlatform) -> None:
    await seeded(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        first = await anonymous.get("/indicators", params={"year": YEAR, "lang": "en"})
        assert first.headers["cache-control"] == "private, max-age=60"
        etag = first.headers["etag"]
        again = await anonymous.get(
            "/indicators", params={"year": YEAR, "lang": "en"}, headers={"If-None-Match": etag}
        )
        assert again.status_code == 304 and again.content == b""
        other = await anonymous.get(
            "/indicators", params={"year": YEAR, "lang": "pl"}, headers={"If-None-Match": etag}
        )
        assert other.status_code == 200 and other.headers["etag"] != etag
        stale = await anonymous.get(
            "/indicators", params={"year": YEAR, "lang": "en"}, headers={"If-None-Match": '"x"'}
        )
        assert stale.status_code == 200
        report = await anonymous.get(f"/indicators/report/{YEAR}.csv")
        assert report.headers["cache-control"] == "private, max-age=60"
    # A signed-in visitor's page names them in its header: never kept.
    assert platform.runtime.auth is not None
    cookie = platform.runtime.auth.session_token(Principal("coord-public", ("coordinator",)))
    async with httpx.AsyncClient(
        base_url=platform.base_url, cookies={SESSION_COOKIE: cookie}, timeout=30
    ) as signed_in:
        page = await signed_in.get("/indicators", params={"year": YEAR, "lang": "en"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store" and "etag" not in page.headers


async def test_the_coordinator_routes_still_need_the_coordinator(platform: RunningPlatform) -> None:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        dashboard = await anonymous.get("/dashboard", params={"year": YEAR})
        staff_report = await anonymous.get(f"/dashboard/report/{YEAR}")
        api = await anonymous.get(f"/api/indicators?year={YEAR}")
        api_csv = await anonymous.get(f"/api/indicators/report/{YEAR}.csv")
    assert dashboard.status_code in (303, 401)
    assert staff_report.status_code in (303, 401)
    assert api.status_code == api_csv.status_code == 401
    # The coordinator's dashboard still shows the small counts (the staff see everything).
    nominations = (
        await platform.client.get(
            f"/api/indicators?year={YEAR}", headers=platform.auth("coordinator")
        )
    ).json()["indicators"]
    assert (
        next(i for i in nominations if i["id"] == "ambassadors.nominations_submitted")["value"] >= 0
    )


async def test_the_open_data_rows_withhold_the_same_cells(platform: RunningPlatform) -> None:
    await seeded(platform)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as anonymous:
        data = await anonymous.get("/open-data/indicators.json")
    assert data.status_code == 200
    items = [i for i in data.json()["items"] if i["year"] == YEAR]
    by_id: dict[str, list[dict]] = {}
    for item in items:
        by_id.setdefault(item["indicator_id"], []).append(item)
    assert len(by_id) == await indicator_count(platform)
    (nominations,) = by_id["ambassadors.nominations_submitted"]
    assert nominations["value"] is None and nominations["status"] == "withheld"
    (received,) = by_id["bench.questions_received"]
    assert received["value"] == "6" and received["status"] == "on_track"
    assert received["currency"] is None and received["name_pl"].startswith("Pytania")
    money = {i["currency"]: i["value"] for i in by_id["grants.amount_awarded"]}
    assert money == {"PLN": "1200000", "EUR": "530000"}  # decimals, as every value
    (rate,) = by_id["bench.answer_rate"]
    assert rate["value"] == "100.0" and rate["expected_value"] == "100"


def test_the_rule_withholds_every_small_count() -> None:
    assert [public.small(n) for n in (None, 0, 1, 4, 5, 100)] == [
        False,
        False,
        True,
        True,
        False,
        False,
    ]
