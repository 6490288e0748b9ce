"""Who hears about indicator changes: the live dashboards of every process.

The process whose consumer applied an event publishes the changed (indicator, year) pairs on a
Redis pub/sub channel after the commit; every web process listens on that channel (a background
task) and fans the change out to its open Server-Sent Event streams. When Redis cannot be
reached the change is still delivered to this process's own streams; other processes' pages
then catch up at their next change or reload (the numbers themselves are in PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

import msgspec

from shared.runtime import Runtime

log = logging.getLogger("openkrakow.indicators.changes")

CHANNEL = "okr:indicators:changed"
Change = tuple[str, int]


class Changes:
    """In-process fan-out of changes to subscribers (one queue per open stream)."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[list[Change]]] = set()

    def deliver(self, changes: Iterable[Change]) -> None:
        """Hand changes to every subscriber (a slow one drops its oldest batch, never blocks)."""
        batch = sorted(set(changes))
        if not batch:
            return
        for queue in list(self._queues):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(batch)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[list[Change]]]:
        """A queue of change batches, for as long as the context lasts."""
        queue: asyncio.Queue[list[Change]] = asyncio.Queue(maxsize=100)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)


changes = Changes()


async def announce(runtime: Runtime | None, batch: Iterable[Change]) -> None:
    """Tell every process (through Redis) or, failing that, this one."""
    items = sorted(set(batch))
    if not items:
        return
    heard_here = False
    if runtime is not None and runtime.redis is not None:
        try:
            await runtime.redis.publish(CHANNEL, msgspec.json.encode(items))
            heard_here = "indicators:listening" in runtime.extras
        except Exception as exc:  # noqa: BLE001 - Redis down: at least this process hears it
            log.warning("could not publish indicator changes to Redis: %s", exc)
    if not heard_here:
        changes.deliver(items)


PENDING = "indicators:pending-changes"
FLUSHING = "indicators:announcing"


def announce_soon(runtime: Runtime, batch: Iterable[Change]) -> None:
    """`announce` without waiting for it: the changes handed over while an announcement is on
    its way go out together in the next one. The consumer applies a pull's events (up to 100
    while it catches up a backlog) in one transaction and then runs each event's hook; awaiting
    a Redis round trip per event there held its next pull back behind them, and every open
    dashboard re-read its cards once per event instead of once per announcement. (At 200 events
    a second, with pulls of one or two events, the bench measured no change in freshness.)"""
    items = set(batch)
    if not items:
        return
    pending: set[Change] = runtime.extras.setdefault(PENDING, set())
    pending |= items
    if FLUSHING not in runtime.extras:
        runtime.extras[FLUSHING] = asyncio.get_running_loop().create_task(_flush(runtime))


async def _flush(runtime: Runtime) -> None:
    try:
        while pending := runtime.extras.pop(PENDING, None):
            await announce(runtime, pending)
    except Exception:  # noqa: BLE001 - announce handles Redis; anything else must not be lost silently
        log.exception("announcing indicator changes failed")
    finally:
        runtime.extras.pop(FLUSHING, None)


async def listen(runtime: Runtime) -> None:
    """Background task: relay changes published by any process to this process's streams."""
    assert runtime.redis is not None
    while True:
        pubsub = runtime.redis.pubsub()
        try:
            await pubsub.subscribe(CHANNEL)
            runtime.extras["indicators:listening"] = True
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                if message is None:
                    continue
                items = msgspec.json.decode(message["data"], type=list[tuple[str, int]])
                changes.deliver(items)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reconnect after any Redis failure
            runtime.extras.pop("indicators:listening", None)
            log.warning("indicator change listener: %s; reconnecting", exc)
            await asyncio.sleep(1.0)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
