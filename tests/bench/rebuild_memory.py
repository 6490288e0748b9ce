"""The rebuild's memory (issue 18, part 3): `openkrakow indicators rebuild` in a process of its own.

The rebuild streams the history in bounded batches (services/indicators/rebuild.py), so its
peak RSS must not grow with the history: the benchmark runs it in a child process at 10k and at
1M events and reads the child's peak RSS and CPU from the kernel (wait4's rusage). Target: under
200 MB, and at most 2x between the two sizes.

Child: python -m tests.bench.rebuild_memory DATABASE_URL NATS_URL [--progress]
prints the rebuild's summary as JSON on standard output.

`python -m tests.bench --parts rebuild` runs this part alone on its own embedded servers.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 200
GROWTH_LIMIT = 2.0


@dataclass(frozen=True)
class Measured:
    """One rebuild in a child process: its summary and what the kernel says it used."""

    summary: dict[str, int]
    peak_rss_mb: float
    cpu_seconds: float
    wall_seconds: float

    @property
    def rate(self) -> float:
        return self.summary["events"] / max(self.summary["seconds_ms"] / 1000, 1e-6)


async def in_child(database_url: str, nats_url: str, *, progress: bool = False) -> Measured:
    """Run one rebuild in a child process and return its summary, peak RSS and CPU time."""
    args = [sys.executable, "-m", "tests.bench.rebuild_memory", database_url, nats_url]
    if progress:
        args.append("--progress")
    started = time.perf_counter()
    # Popen, not asyncio.create_subprocess_exec: its child watcher would reap the child before
    # wait4 could read its rusage. stderr is inherited (the progress bar).
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=ROOT)  # noqa: ASYNC220
    assert proc.stdout is not None
    out = await asyncio.to_thread(proc.stdout.read)
    # wait4 reaps the child and gives its own rusage (not that of every child of this process).
    _, status, usage = await asyncio.to_thread(os.wait4, proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"the rebuild child failed ({proc.returncode}): {out[-2000:]!r}")
    summary = json.loads(out.decode().strip().splitlines()[-1])
    # ru_maxrss is in kilobytes on Linux.
    return Measured(summary, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, wall)


def report_memory(
    report: Any, verdict: Callable[[bool], str], small: Measured, large: Measured
) -> bool:
    """The rows of the memory target; True when it is met."""
    growth = large.peak_rss_mb / max(small.peak_rss_mb, 1e-6)
    ok = large.peak_rss_mb < RSS_LIMIT_MB and small.peak_rss_mb < RSS_LIMIT_MB
    report.add(
        f"rebuild: peak RSS of the rebuilding process, {small.summary['events']:,} events",
        f"{small.peak_rss_mb:.0f} MB",
        f"< {RSS_LIMIT_MB} MB",
        verdict(small.peak_rss_mb < RSS_LIMIT_MB),
    )
    report.add(
        f"rebuild: peak RSS of the rebuilding process, {large.summary['events']:,} events",
        f"{large.peak_rss_mb:.0f} MB",
        f"< {RSS_LIMIT_MB} MB",
        verdict(large.peak_rss_mb < RSS_LIMIT_MB),
    )
    report.add(
        "rebuild: peak RSS growth between the two",
        f"{growth:.2f}x",
        f"<= {GROWTH_LIMIT:.0f}x",
        verdict(growth <= GROWTH_LIMIT),
    )
    return ok and growth <= GROWTH_LIMIT


async def run(
    servers: Any,
    report: Any,
    verdict: Callable[[bool], str],
    events: int,
    publish_history: Callable[..., Any],
) -> None:
    """`--parts rebuild`: publish a synthetic history, rebuild at 10k and at `events` events."""
    from services.indicators.app import service as indicators
    from shared.bus import Bus
    from shared.migrate import migrate

    small = 10_000
    database_url = servers.database_url or ""
    await migrate(database_url, indicators.schema, indicators.migrations)
    bus = await Bus.connect(servers.nats_url or "", name="bench-rebuild")
    try:
        await bus.ensure_stream()
        print(f"\nRebuild in bounded memory: {small:,}, then {events:,} events")
        await publish_history(bus, 0, small, events)
        first = await in_child(database_url, servers.nats_url or "")
        report.add(f"rebuild of {small:,} events", f"{first.rate:,.0f} events/s")
        started = time.perf_counter()
        await publish_history(bus, small, events - small, events)
        print(
            f"  (published {events - small:,} more events in {time.perf_counter() - started:.0f} s)"
        )
        second = await in_child(database_url, servers.nats_url or "", progress=True)
        report.add(
            f"rebuild: replay of {second.summary['events']:,} events",
            f"{second.rate:,.0f} events/s",
            "≥ 20,000/s",
            verdict(second.rate >= 20_000 and second.summary["events"] == events),
        )
        report.add("rebuild: CPU time of the rebuilding process", f"{second.cpu_seconds:.1f} s")
        report_memory(report, verdict, first, second)
    finally:
        await bus.close()


async def _child(database_url: str, nats_url: str, progress: bool) -> dict[str, int]:
    from services.indicators.rebuild import ProgressBar, rebuild
    from shared.bus import Bus
    from shared.db import create_pool

    pool = await create_pool(database_url, "indicators", max_size=2)
    bus = await Bus.connect(nats_url, name="bench-rebuild-child")
    try:
        if progress:
            with ProgressBar() as bar:
                return await rebuild(pool, bus, progress=bar)
        return await rebuild(pool, bus)
    finally:
        await bus.close()
        await pool.close()


if __name__ == "__main__":
    import logging

    logging.getLogger("openkrakow.bus").setLevel(logging.ERROR)
    result = asyncio.run(_child(sys.argv[1], sys.argv[2], "--progress" in sys.argv[3:]))
    print(json.dumps(result), flush=True)
