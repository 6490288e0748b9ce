"""Grants awarded per specific objective in the annual report (issue 17): the HTML document, the
PDF and the CSV hold the figures computed independently from the grants schema (awards joined
with their call's objectives); a grant of a call with several objectives counts under each, the
total counts it once; a rebuild of the projection reproduces the table."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime

import pypdf

from services.indicators import labels, programme_report
from services.indicators.rebuild import rebuild
from tests.helpers.platform import RunningPlatform
from tests.helpers.waiting import eventually
from tests.integration.grants.helpers import (
    award_as_the_city,
    new_call,
    new_organisation,
    submitted_application,
)
from tests.integration.indicators.events import caught_up

YEAR = 2044  # the decisions are dated in it; no other test awards or reports anything there
ROW = re.compile(
    r'<tr data-grants-objective="([^"]+)">.*?<td class="num" data-grants>(\d+)</td>'
    r'<td class="num" data-amount>([^<]*)</td>',
    re.S,
)


async def from_the_grants_schema(platform: RunningPlatform) -> dict[str, tuple[int, dict]]:
    """Per objective ("1".."6") and "total": (grants, {currency: minor units}), straight from
    the grants service's own tables."""
    rows = await platform.runtime.pool("grants").fetch(
        """select o.objective::text as objective, a.currency, count(*)::int as n,
                  sum(a.amount)::bigint as amount
           from awards a join calls c on c.id = a.call_id, unnest(c.objectives) as o(objective)
           where extract(year from a.awarded_at at time zone 'Europe/Warsaw') = $1
           group by 1, 2
           union all
           select 'total', currency, count(*)::int, sum(amount)::bigint from awards
           where extract(year from awarded_at at time zone 'Europe/Warsaw') = $1
           group by 2""",
        YEAR,
    )
    out: dict[str, tuple[int, dict]] = {str(n): (0, {}) for n in range(1, 7)} | {"total": (0, {})}
    for r in rows:
        n, amounts = out[r["objective"]]
        out[r["objective"]] = (n + r["n"], amounts | {r["currency"]: r["amount"]})
    return out


async def test_the_report_counts_grants_per_objective_as_the_grants_schema_does(
    platform: RunningPlatform,
) -> None:
    decided = datetime(YEAR, 6, 15, 10, tzinfo=UTC)
    # Two calls: one for objectives 3 and 6 (two grants), one for objectives 1 and 3 (one).
    first = await new_call(platform, closes_in=60, objectives=[3, 6])
    second = await new_call(platform, closes_in=60, objectives=[1, 3])
    winners = []
    for call_id, amounts in ((first, (120_000, 80_000)), (second, (50_000,))):
        apps = []
        for amount in amounts:
            _, headers = await new_organisation(platform)
            apps.append(await submitted_application(platform, call_id, headers, requested=amount))
        await award_as_the_city(platform, call_id, apps, now=decided)
        winners += apps

    expected = await from_the_grants_schema(platform)
    assert (expected["3"][0], expected["6"][0], expected["1"][0]) == (3, 2, 1)
    assert expected["total"] == (3, {"EUR": 250_000})
    shown = {
        k: (str(n), labels.money(amounts, "en") if amounts else "–")
        for k, (n, amounts) in expected.items()
    }

    coordinator = platform.auth("coordinator")

    seen: dict = {}

    async def report() -> str | None:
        page = await platform.client.get(
            f"/api/programme/report/{YEAR}?lang=en", headers=coordinator
        )
        assert page.status_code == 200
        seen["found"] = {k: (n, html.unescape(a)) for k, n, a in ROW.findall(page.text)}
        return page.text if seen["found"] == shown else None

    text = await eventually(report, timeout=30, what=f"the report's grants table = {shown}")
    assert "counted under each of them" in text  # the note under the table
    polish = await platform.client.get(f"/api/programme/report/{YEAR}?lang=pl", headers=coordinator)
    assert "Granty przyznane według celów szczegółowych" in polish.text
    assert labels.money({"EUR": 250_000}, "pl") in html.unescape(polish.text)

    pdf = await platform.client.get(
        f"/api/programme/report/{YEAR}.pdf?lang=en", headers=coordinator
    )
    assert pdf.status_code == 200
    flat = " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Grants awarded per specific objective" in flat
    assert "All grants (each once) 3 " + " ".join(shown["total"][1].split()) in flat

    for url in (
        f"/api/programme/report/{YEAR}.grants.csv?lang=en",
        f"/programme/report/{YEAR}/grants.csv?lang=en",
    ):
        resp = await platform.client.get(url, headers=coordinator)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        assert rows[0] == programme_report.GRANTS_HEADERS["en"]
        in_csv = {
            ("total" if r[0] == "All grants (each once)" else r[0]): (
                int(r[1]),
                {r[2]: int(r[3])} if r[2] else {},
            )
            for r in rows[1:]
        }
        assert in_csv == expected
    denied = await platform.client.get(
        f"/api/programme/report/{YEAR}.grants.csv", headers=platform.auth("ngo")
    )
    assert denied.status_code == 403

    # A rebuild from the event stream reproduces the table.
    await caught_up(platform)
    pool = platform.runtime.pool("indicators")
    async with pool.acquire() as conn:
        before = await programme_report.grants_per_objective(conn, YEAR)
    assert platform.runtime.bus is not None
    await rebuild(pool, platform.runtime.bus)
    async with pool.acquire() as conn:
        assert await programme_report.grants_per_objective(conn, YEAR) == before
    assert before.total.grants == 3 and winners
