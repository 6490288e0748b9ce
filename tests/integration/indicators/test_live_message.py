"""The live dashboard updates from the message alone (issue 19, part 4): the dashboard's stream
carries each changed indicator's row and card as the page shows them, in the page's language,
rendered from one read of the changed indicators — never the whole dashboard."""

from __future__ import annotations

import asyncio
import html
import json
import re

import httpx

from services.indicators import queries
from tests.helpers.platform import RunningPlatform
from tests.integration.indicators.events import at, publish, question

YEAR = 2004  # a year of its own: the session platform is shared by the indicators tests


def text_of(fragment: str) -> str:
    """What a person reads of an HTML fragment (tags and attributes dropped)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


async def test_the_dashboard_stream_carries_the_row_and_the_card_in_words(
    platform: RunningPlatform,
) -> None:
    received: list[dict] = []
    connected = asyncio.Event()

    async def listen() -> None:
        async with (
            httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client,
            client.stream(
                "GET",
                f"/dashboard/stream?year={YEAR}&lang=uk",
                headers=platform.auth("coordinator"),
            ) as resp,
        ):
            assert resp.status_code == 200
            event = None
            async for line in resp.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                    continue
                if event == "ready" and line.startswith("data: "):
                    connected.set()
                elif event == "indicator" and line.startswith("data: "):
                    received.append(json.loads(line.removeprefix("data: ")))
                    if any(r["id"] == "bench.questions_received" for r in received):
                        return

    task = asyncio.create_task(listen())
    await asyncio.wait_for(connected.wait(), timeout=10)
    await publish(platform, question(at(YEAR)))
    await asyncio.wait_for(task, timeout=10)
    change = next(r for r in received if r["id"] == "bench.questions_received")
    # The API's fields, as before ...
    assert change["value"] == 1 and change["year"] == YEAR and change["status"] == "on_track"
    assert change["shown"] == "1" and change["name"] == "Отримані запитання Лави діалогу"
    # ... and what the page shows, in Ukrainian words.
    assert change["status_text"] == "за планом"
    row, card = change["row"], change["card"]
    assert row.startswith('<tr id="glance-bench-questions_received"')
    assert 'data-status="on_track"' in row
    assert re.search(r'<td class="num">\s*1\b', row)
    assert "за планом" in text_of(row)
    assert card.startswith('<article class="indicator-card" id="bench-questions_received"')
    assert re.search(r'class="indicator-value" data-value>\s*1\s*<', card)
    assert f'<th scope="row">{YEAR}</th><td>1</td>' in card  # the data table's row
    assert "<svg" in card and "<desc" in card  # the chart and its text for screen readers
    for words in (text_of(row), text_of(card)):
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", words), words  # no code in what people read


async def test_the_dashboard_stream_is_the_coordinators(platform: RunningPlatform) -> None:
    resp = await platform.client.get(f"/dashboard/stream?year={YEAR}")
    assert resp.status_code in (302, 303, 401)
    resp = await platform.client.get(
        f"/dashboard/stream?year={YEAR}", headers=platform.auth("responder")
    )
    assert resp.status_code == 403


async def test_the_changed_cards_are_one_read(platform: RunningPlatform) -> None:
    statements: list[str] = []
    async with platform.runtime.pool("indicators").acquire() as conn:
        await queries.registry(conn)  # read once per process

        def count(record: object) -> None:
            statements.append(getattr(record, "query", ""))

        conn.add_query_logger(count)
        try:
            computed = await queries.cards(
                conn,
                YEAR,
                ["bench.questions_received", "bench.answer_rate", "grants.amount_awarded"],
            )
            assert [c["reading"].indicator.id for c in computed] == [
                "bench.questions_received",
                "bench.answer_rate",
                "grants.amount_awarded",
            ]
            await asyncio.sleep(0.05)  # asyncpg calls query loggers soon after, not at once
            # counters, values reported by hand, overdue now: over every chart year at once; and
            # the programme's tasks (the share of tasks completed is read from them)
            assert len(statements) == 4, statements
            statements.clear()
            manual = await queries.cards(
                conn, YEAR, ["services.procedures_translated", "framework.coordinator_meetings"]
            )
            assert len(manual) == 2
            await asyncio.sleep(0.05)
            assert len(statements) == 4 + 2, statements  # plus each one's history
            statements.clear()
            assert await queries.cards(conn, YEAR, ["no.such_indicator"]) == []
            await asyncio.sleep(0.05)
            assert statements == []
        finally:
            conn.remove_query_logger(count)
