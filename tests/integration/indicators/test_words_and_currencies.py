"""What people read: every money indicator keeps each currency, and no raw code is shown.

Issue 15: after 5,300 EUR were awarded the dashboard, the printable report and the CSV showed 0;
the pl/uk dashboards showed `economic migrant`, `undisclosed`, `email`, `web`, `en/pl/uk` and the
Polish CSV `count`, `no_data`, `behind`.
"""

from __future__ import annotations

import csv
import html
import io
import re
import uuid

import httpx
import pytest

from services.indicators import labels
from shared.events import catalogue as ev
from tests.helpers.platform import RunningPlatform
from tests.integration.indicators.events import (
    at,
    awarded,
    caught_up,
    indicators,
    publish,
    question,
    value_becomes,
)

YEAR = 2008  # no other test counts anything in it

CODES = {
    *ev.GROUPS,
    *ev.LANGUAGES,
    *ev.CHANNELS,
    *labels.UNITS,
    *labels.STATUSES,
    *labels.EXPECTED_KINDS,
}
# A code as the old pages printed it ("economic migrant"), and the English words that are codes
# too ("behind", "met") or were printed untranslated.
RAW = CODES | {c.replace("_", " ") for c in CODES} | {"on track", "no data", "grosze (PLN)"}


def texts(page: str) -> list[str]:
    """Every text node of the page's main content, as a person reads it."""
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", "", main, flags=re.S)
    return [
        " ".join(html.unescape(t).split()) for t in re.findall(r">([^<>]+)<", main) if t.strip()
    ]


async def seeded(platform: RunningPlatform) -> None:
    """Data in every breakdown cell and awards in two currencies (once per platform)."""
    if (await indicators(platform, YEAR))["bench.questions_received"]["value"]:
        return
    t = at(YEAR)
    events: list[ev.Payload] = []
    for i, group in enumerate(ev.GROUPS):
        for language in ev.LANGUAGES:
            events.append(question(t, group=group, language=language, channel=ev.CHANNELS[i % 4]))
        events.append(
            ev.AmbassadorsNominationSubmitted(
                nomination_id=uuid.uuid4(),
                edition_id=uuid.uuid4(),
                language=ev.LANGUAGES[i % len(ev.LANGUAGES)],
                nominator_group=group,
                submitted_at=t,
            )
        )
    events += [awarded(1_200_000, "PLN", at(YEAR, 5)), awarded(530_000, "EUR", at(YEAR, 6))]
    await publish(platform, *events)
    await value_becomes(
        platform, YEAR, "bench.questions_received", len(ev.GROUPS) * len(ev.LANGUAGES)
    )
    await value_becomes(platform, YEAR, "ambassadors.nominations_submitted", len(ev.GROUPS))
    await caught_up(platform)


@pytest.fixture
async def coordinator(platform: RunningPlatform) -> httpx.AsyncClient:
    await seeded(platform)
    return platform.client


async def test_money_is_kept_per_currency_everywhere(
    platform: RunningPlatform, coordinator: httpx.AsyncClient
) -> None:
    auth = platform.auth("coordinator")
    found = (await indicators(platform, YEAR))["grants.amount_awarded"]
    assert found["value"] == 1_200_000  # the PLN part, what a PLN expected value compares to
    assert found["amounts"] == [
        {"amount": 1_200_000, "currency": "PLN"},
        {"amount": 530_000, "currency": "EUR"},
    ]
    for lang, shown in [
        ("pl", "12\xa0000,00 PLN · 5\xa0300,00 EUR"),
        ("en", "12,000.00 PLN · 5,300.00 EUR"),
        ("uk", "12\xa0000,00 PLN · 5\xa0300,00 EUR"),
    ]:
        page = await coordinator.get(f"/dashboard?year={YEAR}&lang={lang}", headers=auth)
        card = page.text.split('id="grants-amount_awarded"')[1].split("</article>")[0]
        value = card.split("data-value>")[1].split("</dd>")[0]
        assert html.unescape(value) == shown
        assert f"{YEAR}</th><td>" in card and "EUR" in card.split("<table")[1]
        assert 'id="chart-grants-amount_awarded-eur-t"' in card  # a chart per currency
        report = await coordinator.get(f"/dashboard/report/{YEAR}?lang={lang}", headers=auth)
        assert shown in html.unescape(report.text)
    for url in (f"/dashboard/report/{YEAR}/csv?lang=pl", f"/api/indicators/report/{YEAR}.csv"):
        resp = await coordinator.get(url, headers=auth)
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        row = next(r for r in rows if r[1] == "grants.amount_awarded")
        assert row[8] == "12000.00 PLN · 5300.00 EUR"


@pytest.mark.parametrize("lang", ["pl", "uk"])
async def test_people_read_words_not_codes(
    platform: RunningPlatform, coordinator: httpx.AsyncClient, lang: str
) -> None:
    auth = platform.auth("coordinator")
    dashboard = await coordinator.get(f"/dashboard?year={YEAR}&lang={lang}", headers=auth)
    assert dashboard.status_code == 200
    shown = texts(dashboard.text)
    for kind, cells in labels.CATEGORIES.items():
        if kind in ("category", "district"):
            # The incidents' breakdown, not seeded here: each cell still has words of its own.
            for code, msgid in cells.items():
                assert labels.catalogs.gettext(lang, msgid) not in ("", code), (kind, code)
            continue
        for code, msgid in cells.items():
            assert labels.catalogs.gettext(lang, msgid) in shown, (kind, code)
    report = await coordinator.get(f"/dashboard/report/{YEAR}?lang={lang}", headers=auth)
    assert report.status_code == 200
    for name, words in [("dashboard", shown), ("report", texts(report.text))]:
        raw = sorted({w for w in words if w in RAW})
        assert raw == [], f"{name} ({lang}) shows codes: {raw}"
    for url in (
        f"/dashboard/report/{YEAR}/csv?lang={lang}",
        f"/api/indicators/report/{YEAR}.csv?lang={lang}",
    ):
        resp = await coordinator.get(url, headers=auth)
        assert resp.status_code == 200
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        cells = {c for r in rows for i, c in enumerate(r) if i != 1}  # column 1: the stable id
        assert sorted(cells & RAW) == [], f"{url} shows codes"
        assert {r[9] for r in rows[1:]} <= {
            labels.catalogs.gettext(lang, m) for m in labels.STATUSES.values()
        }
