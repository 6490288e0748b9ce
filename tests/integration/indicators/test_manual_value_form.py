"""The dashboard's form for a value reported by hand: the same command as the API, refusals said
next to their fields in the reader's language, a value taken goes back to the dashboard."""

from __future__ import annotations

import html
import re

from tests.helpers.platform import RunningPlatform
from tests.integration.bench.test_bench_staff_pages import csrf_of, signed_in
from tests.integration.indicators.events import value_becomes

INDICATOR = "services.information_point_beneficiaries"  # count, reported by hand; no other test
YEAR = 2042
URL = f"/dashboard/indicators/{INDICATOR}/values"
FIELD_ERROR = re.compile(r'<p class="field-error" id="[^"]*-(year|value|note)-error">([^<]*)</p>')


async def test_a_refused_form_says_each_field_in_polish_and_a_taken_one_goes_back(
    platform: RunningPlatform,
) -> None:
    async with signed_in(platform, "coordinator", "coordinator-ewa") as browser:
        page = await browser.get(f"/dashboard?year={YEAR}")
        assert page.status_code == 200
        csrf = csrf_of(page)
        refused = await browser.post(
            URL,
            data={"_csrf_token": csrf, "year": "dwa tysiące", "value": "-3", "note": "x" * 2001},
        )
        assert refused.status_code == 400
        assert {f: html.unescape(m) for f, m in FIELD_ERROR.findall(refused.text)} == {
            "year": "Podaj rok od 2000 do 2100",
            "value": "Podaj liczbę nie mniejszą niż 0 (procent najwyżej 100)",
            "note": "Uwagi mogą mieć najwyżej 2000 znaków",
        }
        assert 'value="dwa tysiące"' in refused.text  # what was typed stays in the form

        # The API's upper bound holds on the page too (the page took any size before).
        too_big = await browser.post(
            URL, data={"_csrf_token": csrf, "year": str(YEAR), "value": "2000000000000"}
        )
        assert too_big.status_code == 400
        assert [f for f, _ in FIELD_ERROR.findall(too_big.text)] == ["value"]

        # Only indicators reported by hand have this form.
        computed = await browser.post(
            "/dashboard/indicators/bench.questions_received/values",
            data={"_csrf_token": csrf, "year": str(YEAR), "value": "1"},
        )
        assert computed.status_code == 404

        taken = await browser.post(
            URL, data={"_csrf_token": csrf, "year": str(YEAR), "value": "12,5", "note": "GUS"}
        )
        assert taken.status_code == 303
        assert taken.headers["location"].startswith(f"/dashboard?year={YEAR}&saved={INDICATOR}")
    await value_becomes(platform, YEAR, INDICATOR, 12.5)
    history = await platform.client.get(
        f"/api/indicators/{INDICATOR}/values?year={YEAR}", headers=platform.auth("coordinator")
    )
    assert [(i["value"], i["note"], i["reported_by"]) for i in history.json()["items"]] == [
        (12.5, "GUS", "coordinator-ewa")
    ]
    # The card says who in words, never the account's code; the value written the Polish way.
    for subject, who in (("coordinator-ewa", "Ty"), ("coordinator-jan", "Inny koordynator")):
        async with signed_in(platform, "coordinator", subject) as browser:
            page = await browser.get(f"/dashboard?year={YEAR}")
        card = page.text.split(f'id="{INDICATOR.replace(".", "-")}"', 1)[1].split("</article>")[0]
        assert f"<td>{who}</td><td>12,5</td><td>GUS</td>" in card
        assert "coordinator-ewa" not in card


async def test_the_api_answers_refusals_as_before_with_their_code(
    platform: RunningPlatform,
) -> None:
    """Problem details kept their status, detail and field errors; they gained the code."""
    coordinator = platform.auth("coordinator")
    cases = [
        (
            "/api/indicators/bench.questions_received/values",
            {"year": YEAR, "value": 1},
            409,
            "bench.questions_received is computed from events; only indicators reported by hand"
            " take values",
            [],
            "indicators.computed",
        ),
        (
            "/api/indicators/no.such/values",
            {"year": YEAR, "value": 1},
            404,
            "no indicator 'no.such'",
            [],
            "indicators.not_found",
        ),
        (
            "/api/indicators/participation.civic_budget_turnout/values",
            {"year": YEAR, "value": 101},
            422,
            "value: a percentage is at most 100",
            [{"field": "value", "message": "a percentage is at most 100"}],
            "indicators.percent_over_100",
        ),
    ]
    for url, body, status, detail, errors, code in cases:
        resp = await platform.client.post(url, json=body, headers=coordinator)
        assert resp.status_code == status, resp.text
        problem = resp.json()
        assert (problem["detail"], problem.get("errors", []), problem["code"]) == (
            detail,
            errors,
            code,
        )
    for url, status, detail, code in [
        ("/api/indicators/no.such/values", 404, "no indicator 'no.such'", "indicators.not_found"),
        (
            f"/api/indicators/bench.answer_rate/breakdown?year={YEAR}",
            404,
            "bench.answer_rate has no breakdown; these do: bench.questions_received,"
            " ambassadors.nominations_submitted, security.incidents_reported,"
            " bench.answered_on_time_share",
            "indicators.no_breakdown",
        ),
    ]:
        resp = await platform.client.get(url, headers=coordinator)
        assert resp.status_code == status
        assert (resp.json()["detail"], resp.json()["code"]) == (detail, code)
