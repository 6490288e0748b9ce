"""Objective 6's incident indicators from the incidents service's events: reports by category
and district (cells under 5 hidden), and the share triaged and referred within 7 days — in any
order of the events, and end to end from a report through the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.events import catalogue as ev
from tests.helpers.platform import RunningPlatform
from tests.helpers.truth import Truth, matches
from tests.integration.indicators.events import at, caught_up, indicators, publish, value_becomes

YEAR = 2003  # no other test counts anything in it


def reported(
    when: datetime, category: str = "hate_speech", district: str = "d18_nowa_huta"
) -> ev.IncidentReported:
    return ev.IncidentReported(
        report_id=uuid.uuid4(),
        category=category,  # type: ignore[arg-type]
        district=district,  # type: ignore[arg-type]
        language="uk",
        channel="web",
        reported_at=when,
    )


def referred(report: ev.IncidentReported, after: timedelta) -> ev.IncidentReferred:
    return ev.IncidentReferred(
        report_id=report.report_id,
        to_kind="police",
        reported_at=report.reported_at,
        referred_at=report.reported_at + after,
    )


async def test_incidents_are_counted_by_category_and_district_with_small_cells_hidden(
    platform: RunningPlatform,
) -> None:
    t = at(YEAR)
    many = [reported(t, "graffiti", "d01_stare_miasto") for _ in range(6)]
    few = [reported(t, "violence", "d13_podgorze") for _ in range(2)]
    late = reported(t + timedelta(days=1), "hate_speech", "unknown")
    # Referrals: three in time (one arrives before its report), one after 7 days, none twice.
    await publish(platform, referred(many[0], timedelta(days=2)))
    await publish(platform, *many, *few, late)
    await publish(
        platform,
        referred(many[1], timedelta(days=7)),
        referred(few[0], timedelta(hours=3)),
        referred(late, timedelta(days=8)),
    )
    await value_becomes(platform, YEAR, "security.incidents_reported", 9)
    shown = await value_becomes(platform, YEAR, "security.incidents_referred_share", 33.3)
    assert shown["unit"] == "percent"
    resp = await platform.client.get(
        f"/api/indicators/security.incidents_reported/breakdown?year={YEAR}",
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 200, resp.text
    by = {kind: {c["key"]: c["shown"] for c in cells} for kind, cells in resp.json()["by"].items()}
    assert set(by) == {"category", "district"}
    assert by["category"] == {"graffiti": "6", "violence": "<5", "hate_speech": "<5"}
    assert by["district"] == {"d01_stare_miasto": "6", "d13_podgorze": "<5", "unknown": "<5"}
    card = await platform.client.get(
        f"/dashboard/indicators/security.incidents_reported/card?year={YEAR}&lang=en",
        headers=platform.auth("coordinator"),
    )
    assert card.status_code == 200
    assert "I Stare Miasto" in card.text and "By district" in card.text
    assert "Violence" in card.text and "&lt;5" in card.text


async def test_a_report_through_the_api_counts_this_year(platform: RunningPlatform) -> None:
    year = datetime.now(UTC).astimezone().year
    await caught_up(platform)
    before = (await indicators(platform, year))["security.incidents_reported"]["value"] or 0
    resp = await platform.client.post(
        "/api/incidents",
        json={
            "what": "Stickers with racist slogans on the bus shelter.",
            "where": "ul. Kamieńskiego",
            "when": datetime.now(UTC).date().isoformat(),
            "district": "d09_lagiewniki_borek_falecki",
            "language": "be",
        },
    )
    assert resp.status_code == 201, resp.text
    await value_becomes(platform, year, "security.incidents_reported", before + 1)
    # The same as the chaos test's ground truth computed from the incidents' own table (every
    # report of this year in this session came through the API).
    await caught_up(platform)
    async with platform.runtime.pool("privacy").acquire() as conn:
        truth = await Truth.read(conn)
    shown = await indicators(platform, year)
    for indicator_id in ("security.incidents_reported", "security.incidents_referred_share"):
        assert matches(truth.expected(indicator_id, year), shown[indicator_id]["value"]), (
            indicator_id,
            truth.expected(indicator_id, year),
            shown[indicator_id]["value"],
        )
