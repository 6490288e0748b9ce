"""Where an event's time goes on its way to a consumer: three histograms, served at /metrics.

relay       the event's occurred_at (written in the transaction of the change, just before its
            commit) → the relay's publish acknowledged by JetStream;
bus         the message stored in the stream (its JetStream timestamp) → a consumer took it;
projection  the consumer took it → its inbox transaction committed (the change is visible).

Their sum is close to the end-to-end freshness (occurred_at → visible) that a consumer may
measure itself (the indicators' `openkrakow_indicator_freshness_seconds`). Each process has
its own: the relay's is in the process that runs the relay, the consumers' in theirs.
"""

from __future__ import annotations

import asyncio
import gc
import time
from datetime import datetime

import msgspec
from prometheus_client import Histogram

# Fine at the low end: the freshness target is 25 ms end to end.
BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.02,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
)

RELAY = Histogram(
    "openkrakow_event_relay_seconds",
    "An event's occurred_at (just before its commit) to its publish acknowledged by JetStream",
    buckets=BUCKETS,
)
BUS = Histogram(
    "openkrakow_event_bus_seconds",
    "An event stored in JetStream to a consumer taking it",
    ["consumer"],
    buckets=BUCKETS,
)
PROJECTION = Histogram(
    "openkrakow_event_projection_seconds",
    "A consumer taking an event to its inbox transaction committed",
    ["consumer"],
    buckets=BUCKETS,
)


class _Stamp(msgspec.Struct):
    occurred_at: datetime


_stamp = msgspec.json.Decoder(_Stamp)


def occurred_at(body: bytes) -> float | None:
    """The envelope's occurred_at as a POSIX time, read without decoding the rest."""
    try:
        return _stamp.decode(body).occurred_at.timestamp()
    except (msgspec.DecodeError, ValueError):
        return None


def observe_published(bodies: list[bytes]) -> None:
    """The relay's publish of these envelopes was acknowledged now."""
    now = time.time()
    for body in bodies:
        at = occurred_at(body)
        if at is not None:
            RELAY.observe(max(0.0, now - at))


# What an event waits behind: the process's own pauses. A leg's tail that the path's own work
# does not explain (every leg's p99 far above its p50) is time spent behind other work on the
# same event loop, or in the garbage collector; these two tell which.
LOOP_LAG = Histogram(
    "openkrakow_event_loop_lag_seconds",
    "How late a 10 ms timer on the process's event loop fires (time the loop was busy)",
    buckets=BUCKETS,
)
GC_PAUSE = Histogram(
    "openkrakow_gc_pause_seconds",
    "Time the process stood still in a garbage collection, by generation",
    ["generation"],
    buckets=BUCKETS,
)
LOOP_PROBE_INTERVAL = 0.01

_gc_started = 0.0


def _on_gc(phase: str, info: dict[str, int]) -> None:
    global _gc_started
    if phase == "start":
        _gc_started = time.perf_counter()
    elif _gc_started:
        GC_PAUSE.labels(str(info.get("generation", "?"))).observe(time.perf_counter() - _gc_started)
        _gc_started = 0.0


def watch_gc() -> None:
    """Time every collection of this process (once per process)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


async def probe_loop() -> None:
    """Run until cancelled: a timer every 10 ms, its lateness observed."""
    loop = asyncio.get_running_loop()
    while True:
        planned = loop.time() + LOOP_PROBE_INTERVAL
        await asyncio.sleep(LOOP_PROBE_INTERVAL)
        LOOP_LAG.observe(max(0.0, loop.time() - planned))
