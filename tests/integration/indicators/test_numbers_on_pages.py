"""The dashboard writes figures each language's way, and a year as a year."""

from __future__ import annotations

import html

import pytest

from tests.helpers.platform import RunningPlatform

YEAR = 2031  # no event of the suite is of this year: every indicator has no data


@pytest.mark.parametrize(
    ("lang", "no_data", "expected"),
    [
        ("pl", f"Brak wartości za {YEAR}.", "4\xa0000"),
        ("uk", f"Ще немає значення за {YEAR}.", "4\xa0000"),
        ("en", f"No value for {YEAR} yet.", "4,000"),
    ],
)
async def test_a_year_stays_a_year_and_a_thousand_is_grouped(
    platform: RunningPlatform, lang: str, no_data: str, expected: str
) -> None:
    page = await platform.client.get(
        f"/dashboard?year={YEAR}&lang={lang}", headers=platform.auth("coordinator")
    )
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert no_data in text
    assert "2\xa0031" not in text and "2,031" not in text
    # The Information Point's expected 4000 beneficiaries, in the glance table's Expected column.
    row = text.split('id="glance-services-information_point_beneficiaries"', 1)[1].split("</tr>")[0]
    assert expected in row, row
