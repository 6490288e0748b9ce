"""Server-Sent Events of indicator changes, for the API (bearer) and the dashboard (session)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from litestar.response import ServerSentEvent, ServerSentEventMessage

from services.indicators import changes, labels, metrics, queries
from shared.runtime import Runtime

KEEP_ALIVE_SECONDS = 15.0
SCHEMA = "indicators"


class IndicatorChanged(msgspec.Struct, kw_only=True):
    """The data of one `indicator` event."""

    id: str
    year: int
    name: str
    value: float | None
    status: str
    amounts: dict[str, int]
    """A money indicator's minor units per currency (`value` is its PLN part); {} otherwise."""
    shown: str
    """The value as people read it in the stream's language, e.g. "12 000,00 PLN · 5 300,00 EUR"."""


class CardChanged(IndicatorChanged, kw_only=True):
    """The dashboard's `indicator` event: the API's fields plus what the page shows of the
    indicator, rendered on the server, so that the page updates from the message alone."""

    status_text: str
    """The status in words, in the stream's language."""
    reason: str
    """Why the status is what it is, in words."""
    row: str
    """The indicator's row of the at-a-glance table (HTML)."""
    card: str
    """The indicator's card: figures, chart, data table, breakdowns (HTML)."""


Render = Callable[[dict[str, Any]], CardChanged]
"""Turns one card (queries.cards) into the dashboard's message."""


async def indicator_events(
    runtime: Runtime, year: int, lang: str, render: Render | None = None
) -> AsyncIterator[ServerSentEventMessage]:
    """Until the client goes: one `indicator` event per changed indicator of `year`, keep-alives
    between. Each batch of changes is one read: the year's readings (the API's message) or,
    with `render` (the dashboard), the changed indicators' cards — never the whole dashboard."""
    async with changes.changes.subscribe() as queue:
        metrics.STREAM_CLIENTS.inc()
        try:
            yield ServerSentEventMessage(event="ready", data=str(year), retry=3000)
            while True:
                try:
                    batch = await asyncio.wait_for(queue.get(), timeout=KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    yield ServerSentEventMessage(comment="keep-alive", data=None)
                    continue
                wanted = {indicator_id for indicator_id, y in batch if y == year}
                if not wanted:
                    continue
                for data in await _messages(runtime, year, lang, wanted, render):
                    yield ServerSentEventMessage(
                        event="indicator", data=msgspec.json.encode(data).decode()
                    )
        finally:
            metrics.STREAM_CLIENTS.dec()


async def _messages(
    runtime: Runtime, year: int, lang: str, wanted: set[str], render: Render | None
) -> list[IndicatorChanged]:
    """The messages of one batch of changed indicators, from one read."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        if render is not None:
            return [render(card) for card in await queries.cards(conn, year, sorted(wanted))]
        readings = (await queries.readings(conn, [year]))[year]
    return [message(r, lang) for r in readings if r.indicator.id in wanted]


def message(r: queries.Reading, lang: str) -> IndicatorChanged:
    """The API's message of one reading."""
    return IndicatorChanged(
        id=r.indicator.id,
        year=r.year,
        name=r.indicator.name(lang),
        value=queries.number(r.value),
        status=r.status,
        amounts=r.amounts,
        shown=labels.shown(r.indicator.unit, r.value, r.amounts, lang),
    )


def response(
    runtime: Runtime, year: int, lang: str, render: Render | None = None
) -> ServerSentEvent:
    """The streaming response (no caching, no proxy buffering)."""
    return ServerSentEvent(
        indicator_events(runtime, year, lang, render),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
