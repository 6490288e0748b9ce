"""Freshness, broken down from the servers' own histograms (shared/latency.py, issue 18 part 4).

`snapshot()` reads the Prometheus text of one or more /metrics endpoints before and after a run;
`report()` prints p50/p99 of each leg (relay delay, bus, projection) and of the end-to-end
freshness the indicators measure, from the difference of the two snapshots. Percentiles are
interpolated inside the bucket they fall in (the buckets are fine below 25 ms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx

LEGS = (  # what is printed, the histogram, the label its series must have ("" for all)
    ("relay delay (commit → publish acked)", "openkrakow_event_relay_seconds", ""),
    ("bus (stored → consumer takes it)", "openkrakow_event_bus_seconds", 'consumer="indicators"'),
    (
        "projection (taken → committed)",
        "openkrakow_event_projection_seconds",
        'consumer="indicators"',
    ),
    ("end to end, server (occurred_at → visible)", "openkrakow_indicator_freshness_seconds", ""),
    # What a leg's tail waits behind in its process: the loop busy with other work, or the GC.
    ("event loop lag (a 10 ms timer's lateness)", "openkrakow_event_loop_lag_seconds", ""),
    ("GC pauses, generation 0", "openkrakow_gc_pause_seconds", 'generation="0"'),
    ("GC pauses, generation 1", "openkrakow_gc_pause_seconds", 'generation="1"'),
    ("GC pauses, generation 2", "openkrakow_gc_pause_seconds", 'generation="2"'),
)

Buckets = dict[float, float]
PAUSES = ("openkrakow_event_loop_lag_seconds", "openkrakow_gc_pause_seconds")


def parse(text: str, name: str, label: str = "") -> Buckets:
    """Cumulative counts per upper bound of one histogram (of the series with `label`, if given,
    e.g. `consumer="indicators"`)."""
    out: Buckets = {}
    prefix = f"{name}_bucket{{"
    for line in text.splitlines():
        if not line.startswith(prefix):
            continue
        labels = line[len(prefix) : line.index("}")]
        if label and label not in labels:
            continue
        bound = labels.split('le="', 1)[1].split('"', 1)[0]
        key = float("inf") if bound == "+Inf" else float(bound)
        out[key] = out.get(key, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


async def snapshot(client: httpx.AsyncClient, urls: Iterable[str]) -> dict[str, Buckets]:
    """Every leg's histogram, summed over the given /metrics endpoints."""
    texts = [(await client.get(url)).text for url in urls]
    out: dict[str, Buckets] = {}
    for _what, name, label in LEGS:
        total: Buckets = {}
        for text in texts:
            for bound, count in parse(text, name, label).items():
                total[bound] = total.get(bound, 0.0) + count
        out[name + label] = total
    return out


def percentile(before: Buckets, after: Buckets, p: float) -> float:
    """The p-th percentile of the observations between two snapshots (nan when none)."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0
    if total <= 0:
        return float("nan")
    rank = p / 100 * total
    lower, below = 0.0, 0.0
    for bound, cumulative in zip(bounds, counts, strict=True):
        if cumulative >= rank:
            if bound == float("inf"):
                return lower
            inside = cumulative - below
            share = (rank - below) / inside if inside else 1.0
            return lower + (bound - lower) * share
        lower, below = bound, cumulative
    return lower


def largest(before: Buckets, after: Buckets) -> str:
    """The bucket the largest observation fell in, e.g. "≤ 250 ms" (a rare long pause, such
    as one loop stall every few seconds, is below the p99 of a timer firing 100 times a second)."""
    bounds = sorted(after)
    counts = [after[x] - before.get(x, 0.0) for x in bounds]
    total = counts[-1] if counts else 0.0
    for bound, cumulative in zip(bounds, counts, strict=True):
        if cumulative >= total:
            return "> 60 s" if bound == float("inf") else f"≤ {bound * 1000:g} ms"
    return "–"


def report(
    before: dict[str, Buckets],
    after: dict[str, Buckets],
    add: Callable[..., None],
    where: str = "",
    only: tuple[str, ...] = (),
) -> dict[str, tuple[float, float]]:
    """Print p50 / p99 of each leg (of the histograms named in `only`, if given); return them
    by histogram name and label (seconds)."""
    out: dict[str, tuple[float, float]] = {}
    for what, name, label in LEGS:
        if only and name not in only:
            continue
        b, a = before.get(name + label, {}), after.get(name + label, {})
        count = a.get(float("inf"), 0.0) - b.get(float("inf"), 0.0)
        p50, p99 = percentile(b, a, 50), percentile(b, a, 99)
        out[name + label] = (p50, p99)
        add(
            f"  {where}{what}: p50 / p99 / max",
            f"{p50 * 1000:.1f} / {p99 * 1000:.1f} / {largest(b, a)}"
            if count
            else "not served here",
            "",
            f"n={count:,.0f}",
        )
    return out
