"""Server-Sent Events of indicator changes, for the API (bearer) and the dashboard (session)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

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


async def indicator_events(
    runtime: Runtime, year: int, lang: str
) -> AsyncIterator[ServerSentEventMessage]:
    """Until the client goes: one `indicator` event per changed indicator of `year`, keep-alives between."""
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
                async with runtime.pool(SCHEMA).acquire() as conn:
                    readings = (await queries.readings(conn, [year]))[year]
                for r in readings:
                    if r.indicator.id in wanted:
                        data = IndicatorChanged(
                            id=r.indicator.id,
                            year=year,
                            name=r.indicator.name(lang),
                            value=queries.number(r.value),
                            status=r.status,
                            amounts=r.amounts,
                            shown=labels.shown(r.indicator.unit, r.value, r.amounts, lang),
                        )
                        yield ServerSentEventMessage(
                            event="indicator", data=msgspec.json.encode(data).decode()
                        )
        finally:
            metrics.STREAM_CLIENTS.dec()


def response(runtime: Runtime, year: int, lang: str) -> ServerSentEvent:
    """The streaming response (no caching, no proxy buffering)."""
    return ServerSentEvent(
        indicator_events(runtime, year, lang),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
