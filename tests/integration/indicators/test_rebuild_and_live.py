"""Rebuild equals live; manual values and their history; SSE; the annual CSV; metrics; pages."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import httpx

from services.indicators.rebuild import Step, rebuild
from tests.helpers.platform import RunningPlatform
from tests.helpers.registry import indicator_count
from tests.integration.indicators.events import (
    answered,
    at,
    caught_up,
    indicators,
    publish,
    question,
    value_becomes,
)

PROJECTION = {
    "indicator_values": "select indicator_id, year, dimension, value from indicator_values where value <> 0",
    "facts": "select key, data, contributes from facts",
    "open_questions": "select question_id, received_year, due_at from open_questions",
    "manual_reports": "select * from manual_reports",
}


async def snapshot(platform: RunningPlatform) -> dict[str, list]:
    pool = platform.runtime.pool("indicators")
    return {
        name: sorted(
            json.dumps(dict(r), default=str, sort_keys=True) for r in await pool.fetch(sql)
        )
        for name, sql in PROJECTION.items()
    }


async def test_rebuild_equals_live_and_the_live_consumer_continues(
    platform: RunningPlatform,
) -> None:
    year = 2016
    q = question(at(year))
    await publish(platform, q, question(at(year), group="ethnic_minority"), answered(q, 3))
    resp = await platform.client.post(
        "/api/indicators/services.procedures_translated/values",
        json={"year": year, "value": 12, "note": "BIP"},
        headers=platform.auth("coordinator"),
    )
    assert resp.status_code == 202, resp.text
    await value_becomes(platform, year, "services.procedures_translated", 12)
    await caught_up(platform)
    live = await snapshot(platform)
    bus = platform.runtime.bus
    assert bus is not None
    steps: list[Step] = []
    summary = await rebuild(platform.runtime.pool("indicators"), bus, progress=steps.append)
    assert summary["events"] >= 4
    assert [s.phase for s in steps][-3:] == ["write", "swap", "done"]
    assert steps[-1].events == summary["events"] and steps[-1].seq == steps[-1].last_seq
    assert await snapshot(platform) == live
    await rebuild(platform.runtime.pool("indicators"), bus)
    assert await snapshot(platform) == live

    # The live consumer keeps counting into the swapped-in tables, once.
    await publish(platform, question(at(year)))
    await value_becomes(platform, year, "bench.questions_received", 3)
    await caught_up(platform)
    assert (await indicators(platform, year))["bench.questions_received"]["value"] == 3


async def test_manual_values_are_events_with_a_visible_history(platform: RunningPlatform) -> None:
    year, url = 2015, "/api/indicators/services.trained_individuals/values"
    coordinator = platform.auth("coordinator", subject="coordinator-anna")
    first = await platform.client.post(
        url, json={"year": year, "value": 90, "note": "HR report"}, headers=coordinator
    )
    assert first.status_code == 202, first.text
    await value_becomes(platform, year, "services.trained_individuals", 90)
    assert (await indicators(platform, year))["services.trained_individuals"]["status"] == "behind"
    again = await platform.client.post(
        url, json={"year": year, "value": 120, "note": "corrected"}, headers=coordinator
    )
    assert again.status_code == 202
    found = await value_becomes(platform, year, "services.trained_individuals", 120)
    assert found["status"] == "met"
    history = await platform.client.get(f"{url}?year={year}", headers=coordinator)
    items = history.json()["items"]
    assert [(i["value"], i["note"], i["reported_by"]) for i in items] == [
        (120, "corrected", "coordinator-anna"),
        (90, "HR report", "coordinator-anna"),
    ]

    bad = [
        (
            "/api/indicators/bench.questions_received/values",
            {"year": year, "value": 1, "note": ""},
            coordinator,
            409,
        ),
        (
            "/api/indicators/no.such/values",
            {"year": year, "value": 1, "note": ""},
            coordinator,
            404,
        ),
        (url, {"year": year, "value": -1, "note": ""}, coordinator, 400),
        (url, {"year": 1999, "value": 1, "note": ""}, coordinator, 400),
        (url, {"year": year, "value": 1, "extra": 1}, coordinator, 400),
        (
            "/api/indicators/participation.civic_budget_turnout/values",
            {"year": year, "value": 101},
            coordinator,
            422,
        ),
        (url, {"year": year, "value": 1}, {}, 401),
        (url, {"year": year, "value": 1}, platform.auth("responder"), 403),
    ]
    for target, body, headers, status in bad:
        resp = await platform.client.post(target, json=body, headers=headers)
        assert resp.status_code == status, (target, body, resp.text)
    assert len((await platform.client.get(url, headers=coordinator)).json()["items"]) == 2


async def test_the_stream_pushes_a_change(platform: RunningPlatform) -> None:
    year = 2014
    received: list[dict] = []
    connected = asyncio.Event()

    async def listen() -> None:
        async with (
            httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client,
            client.stream(
                "GET", f"/api/indicators/stream?year={year}", headers=platform.auth("coordinator")
            ) as resp,
        ):
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            event = None
            async for line in resp.aiter_lines():
                if line == "data: " + str(year) and event == "ready":
                    connected.set()
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "indicator":
                    received.append(json.loads(line.removeprefix("data: ")))
                    if any(r["id"] == "bench.questions_received" for r in received):
                        return

    task = asyncio.create_task(listen())
    await asyncio.wait_for(connected.wait(), timeout=10)
    await publish(platform, question(at(year)))
    await asyncio.wait_for(task, timeout=10)
    change = next(r for r in received if r["id"] == "bench.questions_received")
    assert change["value"] == 1 and change["year"] == year and change["status"] == "on_track"
    # The API's message keeps its fields (the dashboard's own stream adds the page's HTML).
    assert set(change) == {"id", "year", "name", "value", "status", "amounts", "shown"}


async def test_the_annual_csv_matches_the_table(platform: RunningPlatform) -> None:
    year = 2019
    table = await platform.client.get(
        f"/api/indicators?year={year}", headers=platform.auth("coordinator")
    )
    resp = await platform.client.get(
        f"/api/indicators/report/{year}.csv?lang=en", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0][8] == f"Value for the year {year}"
    expected = table.json()["indicators"]
    assert [r[1] for r in rows[1:]] == [i["id"] for i in expected]
    statuses = {"met": "met", "on_track": "on track", "behind": "behind", "no_data": "no data"}
    for row, ind in zip(rows[1:], expected, strict=True):
        assert row[9] == statuses[ind["status"]] and row[2] == ind["name"]
        if ind["unit"] == "minor_units":  # per currency, e.g. "5000.00 PLN · 700.00 EUR"
            amounts = ind["amounts"] or [{"amount": 0, "currency": "PLN"}]
            assert row[8] == " · ".join(f"{a['amount'] / 100:.2f} {a['currency']}" for a in amounts)
        else:
            assert (float(row[8]) if row[8] else None) == ind["value"]
    assert (
        await platform.client.get(
            "/api/indicators/report/2019.txt", headers=platform.auth("coordinator")
        )
    ).status_code == 404
    assert (await platform.client.get(f"/api/indicators/report/{year}.csv")).status_code == 401
    page = await platform.client.get(
        f"/dashboard/report/{year}", headers=platform.auth("coordinator")
    )
    # The table's head names columns, not indicator ids (the site header may link staff pages).
    assert page.status_code == 200
    assert "bench" not in page.text.split("<table", 1)[1].split("<tbody>")[0]


async def test_freshness_is_exposed_as_a_prometheus_histogram(platform: RunningPlatform) -> None:
    await publish(platform, question(at(2013)))
    await value_becomes(platform, 2013, "bench.questions_received", 1)
    text = (await platform.client.get("/metrics")).text
    count = next(
        line
        for line in text.splitlines()
        if line.startswith("openkrakow_indicator_freshness_seconds_count")
    )
    assert float(count.split()[-1]) >= 1


async def test_the_dashboard_is_for_coordinators_and_draws_every_indicator(
    platform: RunningPlatform,
) -> None:
    resp = await platform.client.get(
        "/dashboard?year=2019&lang=en", headers=platform.auth("coordinator")
    )
    assert resp.status_code == 200
    assert resp.text.count('class="indicator-card"') == await indicator_count(platform)
    cards = resp.text.split('class="indicator-card"')[1:]
    assert all("<svg" in card for card in cards) and resp.text.count(
        "<caption>"
    ) >= await indicator_count(platform)
    # Money: one chart per currency awarded in the years shown, never summed across currencies.
    money = next(card for card in cards if 'data-indicator="grants.amount_awarded"' in card)
    table = money.split("<table")[1].split("</table>")[0]
    assert money.count("<svg") == sum(c in table for c in ("PLN", "EUR"))
    assert "Specific objective 6" in resp.text
    assert (
        await platform.client.get("/dashboard", headers=platform.auth("responder"))
    ).status_code == 403
    anonymous = await platform.client.get("/dashboard")
    assert anonymous.status_code == 303 and "/auth/sign-in" in anonymous.headers["location"]
